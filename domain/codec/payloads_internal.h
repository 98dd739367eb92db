#pragma once
// Internal to keyledger_codec: the field-by-field mapping between each plain event and its
// struct in events.capnp. codec.cc frames messages; this part only copies fields.

#include <expected>
#include <string>

#include "domain/events.h"
#include "events.capnp.h"  // generated into the build directory

namespace keyledger::domain::codec::detail {

// The events.capnp struct that stores each event type.
template <class E>
struct SchemaOf;
template <>
struct SchemaOf<StoreCreated> {
    using type = schema::StoreCreated;
};
template <>
struct SchemaOf<UserCreated> {
    using type = schema::UserCreated;
};
template <>
struct SchemaOf<PasswordChanged> {
    using type = schema::PasswordChanged;
};
template <>
struct SchemaOf<LoginSucceeded> {
    using type = schema::LoginSucceeded;
};
template <>
struct SchemaOf<LoginFailed> {
    using type = schema::LoginFailed;
};
template <>
struct SchemaOf<UserReactivated> {
    using type = schema::UserReactivated;
};
template <>
struct SchemaOf<UserDeleted> {
    using type = schema::UserDeleted;
};
template <>
struct SchemaOf<WebhookInstalled> {
    using type = schema::WebhookInstalled;
};
template <>
struct SchemaOf<WebhookUninstalled> {
    using type = schema::WebhookUninstalled;
};
template <>
struct SchemaOf<TokenIssued> {
    using type = schema::TokenIssued;
};
template <>
struct SchemaOf<TokenRevoked> {
    using type = schema::TokenRevoked;
};
template <>
struct SchemaOf<TokenRotated> {
    using type = schema::TokenRotated;
};
template <>
struct SchemaOf<TokenTransferred> {
    using type = schema::TokenTransferred;
};
template <>
struct SchemaOf<CallDecided> {
    using type = schema::CallDecided;
};
template <>
struct SchemaOf<CommandRefused> {
    using type = schema::CommandRefused;
};
template <>
struct SchemaOf<IdempotencyRecorded> {
    using type = schema::IdempotencyRecorded;
};

template <class E>
using SchemaBuilder = typename SchemaOf<E>::type::Builder;
template <class E>
using SchemaReader = typename SchemaOf<E>::type::Reader;

// Copies every field of the event into a freshly initialised root.
void write(SchemaBuilder<StoreCreated>, const StoreCreated&);
void write(SchemaBuilder<UserCreated>, const UserCreated&);
void write(SchemaBuilder<PasswordChanged>, const PasswordChanged&);
void write(SchemaBuilder<LoginSucceeded>, const LoginSucceeded&);
void write(SchemaBuilder<LoginFailed>, const LoginFailed&);
void write(SchemaBuilder<UserReactivated>, const UserReactivated&);
void write(SchemaBuilder<UserDeleted>, const UserDeleted&);
void write(SchemaBuilder<WebhookInstalled>, const WebhookInstalled&);
void write(SchemaBuilder<WebhookUninstalled>, const WebhookUninstalled&);
void write(SchemaBuilder<TokenIssued>, const TokenIssued&);
void write(SchemaBuilder<TokenRevoked>, const TokenRevoked&);
void write(SchemaBuilder<TokenRotated>, const TokenRotated&);
void write(SchemaBuilder<TokenTransferred>, const TokenTransferred&);
void write(SchemaBuilder<CallDecided>, const CallDecided&);
void write(SchemaBuilder<CommandRefused>, const CommandRefused&);
void write(SchemaBuilder<IdempotencyRecorded>, const IdempotencyRecorded&);

// Reads every field back. Errors are values (a digest of the wrong length, an enumerant this
// version does not know); malformed pointers surface as kj::Exception, which the caller catches.
template <class E>
using Read = std::expected<E, std::string>;
Read<StoreCreated> read(SchemaReader<StoreCreated>);
Read<UserCreated> read(SchemaReader<UserCreated>);
Read<PasswordChanged> read(SchemaReader<PasswordChanged>);
Read<LoginSucceeded> read(SchemaReader<LoginSucceeded>);
Read<LoginFailed> read(SchemaReader<LoginFailed>);
Read<UserReactivated> read(SchemaReader<UserReactivated>);
Read<UserDeleted> read(SchemaReader<UserDeleted>);
Read<WebhookInstalled> read(SchemaReader<WebhookInstalled>);
Read<WebhookUninstalled> read(SchemaReader<WebhookUninstalled>);
Read<TokenIssued> read(SchemaReader<TokenIssued>);
Read<TokenRevoked> read(SchemaReader<TokenRevoked>);
Read<TokenRotated> read(SchemaReader<TokenRotated>);
Read<TokenTransferred> read(SchemaReader<TokenTransferred>);
Read<CallDecided> read(SchemaReader<CallDecided>);
Read<CommandRefused> read(SchemaReader<CommandRefused>);
Read<IdempotencyRecorded> read(SchemaReader<IdempotencyRecorded>);

}  // namespace keyledger::domain::codec::detail
