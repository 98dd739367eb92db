# The stored form of every event payload of keyledger (domain/events.h).
#
# Layout: one struct per event type, used as the root of its own message. The event store's
# envelope already records the type name (domain::event_type), so the payload need not repeat
# it; a top-level union would store the type twice, and the two copies could disagree. One root
# struct per type also lets each event grow on its own.
#
# Evolution rules. Bytes written once are read forever, by every later version of this file.
#   - Never renumber a field (@N), never change its type, never remove it, never rename a struct
#     or an enumerant in a way that changes its meaning. A field that falls out of use stays,
#     documented as obsolete.
#   - New fields get the next free number and a default that means "what an old writer meant":
#     a reader of old bytes sees the default, so old events stay readable and keep their meaning.
#     The decoder must accept that default: a digest added later, say, must read an empty Data
#     as "absent", not refuse it as a digest of the wrong length.
#   - New enumerants are appended at the end, never inserted. An old reader that meets an
#     enumerant it does not know refuses the payload with an error rather than guess.
#   - A new event type is a new struct; the existing ones stay as they are.
#   - The file id below never changes.
#
# Representation choices.
#   - Instants and durations are Int64 milliseconds since the Unix epoch (domain/instant.h).
#   - Digests (keyed secret hashes, SHA-256 of bodies) are Data of exactly 32 bytes; a decoder
#     refuses any other length.
#   - Password hashes are Data: the hashing scheme, not this file, decides what bytes they hold.
#     Every other string is Text (UTF-8 by contract; the C++ codec passes bytes through as is).
#   - Roles is the domain's bit set (user_admin = 1, webhook_admin = 2, auditor = 4) as UInt8.
#   - An optional value is a union whose first member, the default, is "absent": bytes that
#     never set it read as absent. The union's discriminant is the has-flag, kept by Cap'n Proto.
#   - Enumerant names follow the domain's names; their numbers are this file's, mapped by name
#     in payloads.cc, so reordering a C++ enum never changes what stored bytes mean.

@0xa4eb462c68c28005;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("keyledger::domain::codec::schema");

enum AccountKind {
  person @0;
  service @1;
}

enum TokenKind {
  app @0;
  api @1;
}

enum WebhookAuth {
  bearer @0;
  basic @1;
}

enum Reason {
  malformed @0;
  unknownToken @1;
  secretRotated @2;
  tokenRevoked @3;
  tokenExpired @4;
  wrongWebhook @5;
  ownerDeleted @6;
  ownerInactive @7;
  invalidCredentials @8;
  accountInactive @9;
  missingRole @10;
  notFound @11;
  webhookUninstalled @12;
  usernameTaken @13;
  userDeleted @14;
  cannotDeleteSelf @15;
  userHasActiveTokens @16;
  tokenNotLive @17;
  ownerNotActive @18;
  rolesNotSubset @19;
  badRequest @20;
  idempotencyKeyReused @21;
  badInstant @22;
  unsupportedMediaType @23;
}

struct StoreCreated {
  windowMs @0 :Int64;
  storeId @1 :Text;
}

struct UserCreated {
  userId @0 :Text;
  username @1 :Text;
  kind @2 :AccountKind;
  roles @3 :UInt8;
  passwordHash @4 :Data;  # empty: no interactive login
}

struct PasswordChanged {
  userId @0 :Text;
  passwordHash @1 :Data;
}

struct LoginSucceeded {
  userId @0 :Text;
}

struct LoginFailed {
  userId @0 :Text;
  reason @1 :Reason;
}

struct UserReactivated {
  userId @0 :Text;
}

struct UserDeleted {
  userId @0 :Text;
}

struct WebhookInstalled {
  webhookId @0 :Text;
  name @1 :Text;
  auth @2 :WebhookAuth;
  createdBy @3 :Text;
}

struct WebhookUninstalled {
  webhookId @0 :Text;
}

struct TokenIssued {
  tokenId @0 :Text;
  kind @1 :TokenKind;
  ownerId @2 :Text;
  webhookId @3 :Text;  # app tokens only
  name @4 :Text;
  expiry :union {
    never @5 :Void;
    at @6 :Int64;
  }
  secretHash @7 :Data;
}

struct TokenRevoked {
  tokenId @0 :Text;
}

struct TokenRotated {
  tokenId @0 :Text;
  secretHash @1 :Data;
  graceMs @2 :Int64;
}

struct TokenTransferred {
  tokenId @0 :Text;
  fromOwnerId @1 :Text;
  toOwnerId @2 :Text;
}

struct CallDecided {
  callId @0 :Text;
  tokenId @1 :Text;
  ownerId @2 :Text;
  webhookId @3 :Text;  # empty for a management request
  request @4 :Text;    # "POST /v1/users" for a management request, empty for a webhook call
  previousSecret @5 :Bool;
  outcome :union {
    accepted @6 :Void;
    refused @7 :Reason;
  }
  bodyLength @8 :UInt64;
  bodySha256 @9 :Data;
  contentType @10 :Text;  # the stored delivery's Content-Type; null: no delivery, or an older event
}

struct CommandRefused {
  command @0 :Text;
  reason @1 :Reason;
  subjectId @2 :Text;
  tokenIds @3 :List(Text);
  webhookIds @4 :List(Text);
}

struct IdempotencyRecorded {
  tokenId @0 :Text;
  method @1 :Text;
  path @2 :Text;
  key @3 :Text;
  bodySha256 @4 :Data;
  status @5 :UInt32;
  responseBody @6 :Text;
}
