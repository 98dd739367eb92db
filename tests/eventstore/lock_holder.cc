// Test helper for open_test.cc: opens the store in argv[1], prints "ready", and holds it until
// its standard input is closed. Exits 0 if all went well.

#include <unistd.h>

#include <cstdio>

#include "eventstore/event_store.h"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s STORE_DIR\n", argv[0]);
        return 2;
    }
    auto store = keyledger::eventstore::open_rocksdb_store(argv[1], {});
    if (!store) {
        std::fprintf(stderr, "lock holder: %s\n", store.error().message.c_str());
        return 1;
    }
    std::fputs("ready\n", stdout);
    std::fflush(stdout);

    char byte;
    while (read(STDIN_FILENO, &byte, 1) > 0) {
    }
    return 0;
}
