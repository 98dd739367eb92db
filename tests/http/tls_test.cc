// HTTPS: the same server over TLS, with a self-signed certificate made for each test with the
// OpenSSL API, and a Beast client that verifies the server against it.
#include <chrono>
#include <filesystem>
#include <optional>
#include <random>
#include <string>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "tests/http/server_fixture.h"

namespace keyledger::tests::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = boost::asio::ssl;
namespace fs = std::filesystem;

// A fresh directory holding cert.pem (self-signed, CN and subjectAltName 127.0.0.1, valid for
// an hour) and key.pem (P-256), removed at the end.
class SelfSigned {
  public:
    SelfSigned() {
        std::random_device rd;
        dir_ = fs::temp_directory_path() / ("keyledger-tls-" + std::to_string(rd()));
        fs::create_directories(dir_);
        EVP_PKEY* key = EVP_EC_gen("P-256");
        X509* cert = X509_new();
        ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
        X509_gmtime_adj(X509_getm_notBefore(cert), -60);
        X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
        X509_set_pubkey(cert, key);
        X509_NAME* name = X509_get_subject_name(cert);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
        X509_set_issuer_name(cert, name);
        X509V3_CTX context;
        X509V3_set_ctx_nodb(&context);
        X509V3_set_ctx(&context, cert, cert, nullptr, nullptr, 0);
        X509_EXTENSION* san =
            X509V3_EXT_conf_nid(nullptr, &context, NID_subject_alt_name, "IP:127.0.0.1");
        X509_add_ext(cert, san, -1);
        X509_EXTENSION_free(san);
        X509_sign(cert, key, EVP_sha256());

        BIO* cert_file = BIO_new_file(cert_path().c_str(), "w");
        PEM_write_bio_X509(cert_file, cert);
        BIO_free(cert_file);
        BIO* key_file = BIO_new_file(key_path().c_str(), "w");
        PEM_write_bio_PrivateKey(key_file, key, nullptr, nullptr, 0, nullptr, nullptr);
        BIO_free(key_file);
        X509_free(cert);
        EVP_PKEY_free(key);
    }
    ~SelfSigned() {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    std::string cert_path() const { return (dir_ / "cert.pem").string(); }
    std::string key_path() const { return (dir_ / "key.pem").string(); }
    fs::path dir() const { return dir_; }

  private:
    fs::path dir_;
};

// A TLS client on 127.0.0.1 that trusts only `cert_path`; every step gives up after 5 s.
class TlsClient {
  public:
    TlsClient(unsigned short port, const std::string& cert_path) {
        context_.load_verify_file(cert_path);
        context_.set_verify_mode(ssl::verify_peer);
        stream_.emplace(io_, context_);
        error_ = run([&](auto done) {
            beast::get_lowest_layer(*stream_).async_connect(
                asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                [done](beast::error_code ec) { done(ec); });
        });
        if (error_.empty()) {
            error_ = run([&](auto done) {
                stream_->async_handshake(ssl::stream_base::client,
                                         [done](beast::error_code ec) { done(ec); });
            });
        }
    }
    const std::string& error() const { return error_; }

    HttpResult request(const std::string& method, const std::string& target,
                       const std::string& body = "") {
        beast::http::request<beast::http::string_body> req;
        req.method_string(method);
        req.target(target);
        req.version(11);
        req.set(beast::http::field::host, "127.0.0.1");
        req.body() = body;
        req.prepare_payload();
        HttpResult result;
        result.error = run([&](auto done) {
            beast::http::async_write(*stream_, req,
                                     [done](beast::error_code ec, std::size_t) { done(ec); });
        });
        if (!result.error.empty()) {
            return result;
        }
        beast::http::response<beast::http::string_body> res;
        result.error = run([&](auto done) {
            beast::http::async_read(*stream_, buffer_, res,
                                    [done](beast::error_code ec, std::size_t) { done(ec); });
        });
        if (result.error.empty()) {
            result.status = res.result_int();
            result.body = res.body();
            for (const auto& field : res) {
                result.headers.emplace_back(std::string(field.name_string()),
                                            std::string(field.value()));
            }
        }
        return result;
    }

  private:
    template <class Start>
    std::string run(Start&& start) {
        beast::error_code result = asio::error::would_block;
        beast::get_lowest_layer(*stream_).expires_after(std::chrono::seconds(5));
        start([&result](beast::error_code ec) { result = ec; });
        io_.restart();
        io_.run();
        return result ? result.message() : std::string();
    }

    asio::io_context io_;
    ssl::context context_{ssl::context::tls_client};
    std::optional<beast::ssl_stream<beast::tcp_stream>> stream_;
    beast::flat_buffer buffer_;
    std::string error_;
};

class TlsTest : public ServerTest {
  protected:
    kh::ServerOptions tls_options() {
        kh::ServerOptions options = test_options();
        options.tls_certificate_file = cert_.cert_path();
        options.tls_private_key_file = cert_.key_path();
        return options;
    }
    SelfSigned cert_;
};

TEST_F(TlsTest, HttpsRequestsAreAnsweredOnOneConnection) {
    start_echo(tls_options());
    TlsClient client(port(), cert_.cert_path());
    ASSERT_EQ(client.error(), "");
    for (int i = 0; i < 3; ++i) {
        const HttpResult r =
            client.request("POST", "/v1/hooks/whk_1", "{\"n\":" + std::to_string(i) + "}");
        ASSERT_TRUE(r.ok()) << r.error;
        EXPECT_EQ(r.status, 200u);
        EXPECT_EQ(r.body, "{\"n\":" + std::to_string(i) + "}");
        EXPECT_EQ(r.header("X-Method"), "POST");
    }
    EXPECT_EQ(stats().connections_accepted.load(), 1u) << "keep-alive over TLS";
}

TEST_F(TlsTest, LimitsApplyOverTls) {
    kh::ServerOptions options = tls_options();
    options.body_limit = 16;
    start_echo(options);
    TlsClient client(port(), cert_.cert_path());
    ASSERT_EQ(client.error(), "");
    const HttpResult r = client.request("POST", "/", std::string(17, 'x'));
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.status, 413u);
    EXPECT_EQ(r.header("Connection"), "close");
}

TEST_F(TlsTest, PlainHttpOnTheTlsPortGetsNoAnswer) {
    start_echo(tls_options());
    TestConnection connection(port());
    ASSERT_EQ(connection.send_raw("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), "");
    const CloseResult closed = connection.wait_for_close();
    EXPECT_TRUE(closed.closed) << closed.error;
    EXPECT_EQ(closed.received.find("HTTP/1.1"), std::string::npos) << closed.received;
    EXPECT_TRUE(eventually([&] { return stats().tls_handshake_failures.load() == 1; }));
    EXPECT_EQ(stats().requests.load(), 0u);
}

TEST_F(TlsTest, StalledHandshakeIsClosedAfterTheHeaderTimeout) {
    kh::ServerOptions options = tls_options();
    options.header_timeout = 300ms;
    start_echo(options);
    const auto start = Clock::now();
    TestConnection connection(port());
    ASSERT_EQ(connection.send_raw("\x16\x03\x01"), "");  // the first bytes of a ClientHello
    const CloseResult closed = connection.wait_for_close();
    EXPECT_TRUE(closed.closed) << closed.error;
    EXPECT_GE(Clock::now() - start, 300ms);
    EXPECT_LT(Clock::now() - start, 2500ms);
    EXPECT_TRUE(eventually([&] { return stats().timeouts.load() == 1; }));
}

TEST_F(TlsTest, ClientThatDoesNotTrustTheCertificateIsRefusedByItsOwnCheck) {
    start_echo(tls_options());
    SelfSigned other;
    TlsClient client(port(), other.cert_path());
    EXPECT_NE(client.error(), "") << "a client verifying against another certificate connected";
}

TEST_F(TlsTest, MissingOrMismatchedFilesFailToStartWithAClearMessage) {
    EchoHandler handler;
    kh::ServerOptions options = tls_options();
    options.tls_private_key_file = (cert_.dir() / "absent.pem").string();
    auto started = kh::Server::start(options, handler);
    ASSERT_FALSE(started);
    EXPECT_NE(started.error().find("cannot load the TLS private key"), std::string::npos)
        << started.error();

    SelfSigned other;
    options.tls_private_key_file = other.key_path();
    started = kh::Server::start(options, handler);
    ASSERT_FALSE(started);
    EXPECT_NE(started.error().find(other.key_path()), std::string::npos) << started.error();

    options.tls_private_key_file.clear();
    started = kh::Server::start(options, handler);
    ASSERT_FALSE(started);
    EXPECT_NE(started.error().find("both a certificate and a private key"), std::string::npos)
        << started.error();
}

}  // namespace
}  // namespace keyledger::tests::http
