# The records the event store keeps on disk. Evolve by adding fields only, never by renumbering,
# retyping or removing one: every event ever written must stay readable, and its hash is taken
# over its bytes as stored, so a stored envelope is never rewritten.

@0xf04bdaf56531ce1a;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("keyledger::eventstore::schema");

# One event of the log; the value stored under its position in the events column family.
struct Envelope {
  position @0 :UInt64;       # global, dense from 1; equals the key it is stored under
  stream @1 :Text;
  version @2 :UInt64;        # dense from 1 within the stream
  type @3 :Text;
  atMs @4 :Int64;            # decision instant, ms since the Unix epoch, UTC
  actor @5 :Text;
  correlationId @6 :Text;
  payload @7 :Data;          # the domain event, opaque to the store
  prevHash @8 :Data;         # SHA-256 of the previous envelope as stored; 32 zero bytes first
}

# One webhook call; the value stored under (webhook id, seq) in the deliveries column family.
struct Delivery {
  seq @0 :UInt64;            # dense from 1 per webhook
  webhookId @1 :Text;
  callId @2 :Text;
  receivedAtMs @3 :Int64;
  contentType @4 :Text;
  body @5 :Data;
}
