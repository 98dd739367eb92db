// The HTTP baselines of bench/run: a bare Boost.Beast server on one thread that only compares
// the Authorization header with one fixed bearer token, answering 202 with a small JSON body
// or 401. With --durable DIR it also appends one ~150-byte record per accepted request to
// RocksDB, batched by a writer thread that syncs each batch (group commit, fsync on), and
// answers only once that batch is durable: the durable ceiling keyledger's ingress is held to.
//
// Usage: bench_bare_server --token SECRET [--port 0] [--durable DIR]
// Prints "listening on 127.0.0.1:PORT" once bound; stops on SIGINT or SIGTERM.

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr std::size_t kRecordBytes = 150;
constexpr std::size_t kBodyLimit = 1024 * 1024;

// Appends records with group commit: everything that queued while the last batch was syncing
// goes in the next WriteBatch. Completions run on the io_context once their batch is durable.
class GroupCommit {
  public:
    GroupCommit(const std::string& dir, asio::io_context& io) : io_(io) {
        rocksdb::Options options;
        options.create_if_missing = true;
        rocksdb::DB* raw = nullptr;
        const auto status = rocksdb::DB::Open(options, dir, &raw);
        if (!status.ok()) {
            std::fprintf(stderr, "cannot open %s: %s\n", dir.c_str(), status.ToString().c_str());
            std::exit(1);
        }
        db_.reset(raw);
        writer_ = std::thread([this] { run(); });
    }

    ~GroupCommit() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_one();
        writer_.join();
    }

    void append(std::string record, std::function<void(bool)> done) {
        {
            std::lock_guard lock(mutex_);
            queue_.push_back({std::move(record), std::move(done)});
        }
        wake_.notify_one();
    }

  private:
    struct Pending {
        std::string record;
        std::function<void(bool)> done;
    };

    void run() {
        std::vector<Pending> batch;
        for (;;) {
            {
                std::unique_lock lock(mutex_);
                wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
                if (queue_.empty()) {
                    return;
                }
                while (!queue_.empty()) {
                    batch.push_back(std::move(queue_.front()));
                    queue_.pop_front();
                }
            }
            rocksdb::WriteBatch write;
            for (const auto& pending : batch) {
                char key[8];
                std::uint64_t seq = next_seq_++;
                for (int i = 7; i >= 0; --i) {
                    key[i] = static_cast<char>(seq & 0xff);
                    seq >>= 8;
                }
                write.Put(rocksdb::Slice(key, sizeof key), pending.record);
            }
            rocksdb::WriteOptions options;
            options.sync = true;
            const bool ok = db_->Write(options, &write).ok();
            asio::post(io_, [done = std::move(batch), ok]() mutable {
                for (auto& pending : done) {
                    pending.done(ok);
                }
            });
            batch = {};
        }
    }

    asio::io_context& io_;
    std::unique_ptr<rocksdb::DB> db_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Pending> queue_;
    bool stopping_ = false;
    std::uint64_t next_seq_ = 1;
    std::thread writer_;
};

struct Config {
    std::string expected_authorization;
    GroupCommit* durable = nullptr;
};

class Session : public std::enable_shared_from_this<Session> {
  public:
    Session(tcp::socket socket, const Config& config)
        : stream_(std::move(socket)), config_(config) {}

    void start() { read(); }

  private:
    void read() {
        parser_.emplace();
        parser_->body_limit(kBodyLimit);
        http::async_read(
            stream_, buffer_, *parser_,
            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
    }

    void on_read(beast::error_code ec) {
        if (ec) {
            close();
            return;
        }
        request_ = parser_->release();
        const auto authorization = request_[http::field::authorization];
        const bool accepted =
            authorization.size() == config_.expected_authorization.size() &&
            std::memcmp(authorization.data(), config_.expected_authorization.data(),
                        authorization.size()) == 0;
        ++calls_;
        if (!accepted) {
            respond(http::status::unauthorized, R"({"error":"unknown_token"})");
            return;
        }
        const std::string call = "call_" + std::to_string(reinterpret_cast<std::uintptr_t>(this)) +
                                 "_" + std::to_string(calls_);
        if (config_.durable == nullptr) {
            respond(http::status::accepted, R"({"call_id":")" + call + R"("})");
            return;
        }
        std::string record = call + " " + std::string(request_.target()) + " " +
                             std::to_string(request_.body().size());
        record.resize(kRecordBytes, ' ');
        config_.durable->append(std::move(record), [self = shared_from_this(), call](bool durable) {
            if (durable) {
                self->respond(http::status::accepted, R"({"call_id":")" + call + R"("})");
            } else {
                self->respond(http::status::service_unavailable, R"({"error":"unavailable"})");
            }
        });
    }

    void respond(http::status status, std::string body) {
        response_ = {};
        response_.result(status);
        response_.version(request_.version());
        response_.keep_alive(request_.keep_alive());
        response_.set(http::field::content_type, "application/json");
        response_.body() = std::move(body);
        response_.prepare_payload();
        http::async_write(stream_, response_,
                          [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec || !self->response_.keep_alive()) {
                                  self->close();
                                  return;
                              }
                              self->read();
                          });
    }

    void close() {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }

    beast::tcp_stream stream_;
    const Config& config_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    http::request<http::string_body> request_;
    http::response<http::string_body> response_;
    std::uint64_t calls_ = 0;
};

void accept(tcp::acceptor& acceptor, const Config& config) {
    acceptor.async_accept([&acceptor, &config](beast::error_code ec, tcp::socket socket) {
        if (!ec) {
            socket.set_option(tcp::no_delay(true));
            std::make_shared<Session>(std::move(socket), config)->start();
        }
        if (acceptor.is_open()) {
            accept(acceptor, config);
        }
    });
}

int usage() {
    std::fprintf(stderr, "usage: bench_bare_server --token SECRET [--port N] [--durable DIR]\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::string token;
    std::string durable_dir;
    unsigned short port = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (i + 1 >= argc) {
            return usage();
        }
        const std::string value = argv[++i];
        if (arg == "--token") {
            token = value;
        } else if (arg == "--port") {
            port = static_cast<unsigned short>(std::stoul(value));
        } else if (arg == "--durable") {
            durable_dir = value;
        } else {
            return usage();
        }
    }
    if (token.empty()) {
        return usage();
    }

    asio::io_context io(1);
    std::unique_ptr<GroupCommit> durable;
    if (!durable_dir.empty()) {
        durable = std::make_unique<GroupCommit>(durable_dir, io);
    }
    Config config{"Bearer " + token, durable.get()};

    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    std::printf("listening on 127.0.0.1:%u\n", acceptor.local_endpoint().port());
    std::fflush(stdout);
    accept(acceptor, config);

    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](beast::error_code, int) {
        acceptor.close();
        io.stop();
    });
    io.run();
    return 0;
}
