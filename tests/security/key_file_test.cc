#include "security/key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace keyledger::security {
namespace {

namespace fs = std::filesystem;

class KeyFile : public testing::Test {
  protected:
    void SetUp() override {
        char pattern[] = "/tmp/keyledger-key-file-test-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        dir_ = pattern;
    }
    void TearDown() override { fs::remove_all(dir_); }

    // Writes `content` to `name` in the test directory with exactly `mode`, umask aside.
    fs::path write_file(const std::string& name, const std::string& content, mode_t mode) {
        const fs::path path = dir_ / name;
        const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        EXPECT_GE(fd, 0);
        EXPECT_EQ(::write(fd, content.data(), content.size()),
                  static_cast<ssize_t>(content.size()));
        EXPECT_EQ(::fchmod(fd, mode), 0);
        ::close(fd);
        return path;
    }

    static mode_t mode_of(const fs::path& path) {
        struct stat status {};
        EXPECT_EQ(::stat(path.c_str(), &status), 0);
        return status.st_mode & 07777;
    }

    fs::path dir_;
};

TEST_F(KeyFile, CreatesAPrivateFileWithTheKey) {
    const fs::path path = dir_ / "server.key";
    const auto key = load_or_create_key(path, 32, true);
    ASSERT_TRUE(key.has_value()) << key.error();
    EXPECT_EQ(key->size(), 32u);
    EXPECT_EQ(mode_of(path), 0600u);
    EXPECT_EQ(fs::file_size(path), 32u);
}

TEST_F(KeyFile, LoadsTheSameKeyAgain) {
    const fs::path path = dir_ / "server.key";
    const auto created = load_or_create_key(path, 32, true);
    ASSERT_TRUE(created.has_value()) << created.error();

    const auto loaded = load_or_create_key(path, 32, false);
    ASSERT_TRUE(loaded.has_value()) << loaded.error();
    EXPECT_EQ(*loaded, *created);

    const auto not_recreated = load_or_create_key(path, 32, true);
    ASSERT_TRUE(not_recreated.has_value()) << not_recreated.error();
    EXPECT_EQ(*not_recreated, *created);
}

TEST_F(KeyFile, TwoCreatedKeysDiffer) {
    const auto first = load_or_create_key(dir_ / "a.key", 32, true);
    const auto second = load_or_create_key(dir_ / "b.key", 32, true);
    ASSERT_TRUE(first.has_value() && second.has_value());
    EXPECT_NE(*first, *second);
}

TEST_F(KeyFile, LoadsAnExistingPrivateFile) {
    const std::string content(32, 'k');
    const fs::path path = write_file("given.key", content, 0400);
    const auto key = load_or_create_key(path, 32, false);
    ASSERT_TRUE(key.has_value()) << key.error();
    EXPECT_EQ(*key, content);
}

TEST_F(KeyFile, RefusesAFileOthersCanRead) {
    const fs::path path = write_file("open.key", std::string(32, 'k'), 0644);
    const auto key = load_or_create_key(path, 32, false);
    ASSERT_FALSE(key.has_value());
    EXPECT_NE(key.error().find("0644"), std::string::npos) << key.error();
    EXPECT_NE(key.error().find("chmod 600"), std::string::npos) << key.error();
    EXPECT_NE(key.error().find(path.string()), std::string::npos) << key.error();

    // Asking to create does not paper over it either.
    EXPECT_FALSE(load_or_create_key(path, 32, true).has_value());
}

TEST_F(KeyFile, RefusesGroupAccess) {
    const fs::path path = write_file("group.key", std::string(32, 'k'), 0640);
    const auto key = load_or_create_key(path, 32, false);
    ASSERT_FALSE(key.has_value());
    EXPECT_NE(key.error().find("0640"), std::string::npos) << key.error();
}

TEST_F(KeyFile, RefusesTheWrongLength) {
    for (const std::size_t length : {0u, 31u, 33u}) {
        const fs::path path = write_file("short.key", std::string(length, 'k'), 0600);
        const auto key = load_or_create_key(path, 32, false);
        ASSERT_FALSE(key.has_value()) << length;
        EXPECT_NE(key.error().find(std::to_string(length) + " bytes"), std::string::npos)
            << key.error();
    }
}

TEST_F(KeyFile, RefusesAMissingFileUnlessAskedToCreateIt) {
    const fs::path path = dir_ / "absent.key";
    const auto key = load_or_create_key(path, 32, false);
    ASSERT_FALSE(key.has_value());
    EXPECT_NE(key.error().find("does not exist"), std::string::npos) << key.error();
    EXPECT_FALSE(fs::exists(path));
}

TEST_F(KeyFile, RefusesADirectory) {
    const fs::path path = dir_ / "a-directory";
    fs::create_directory(path);
    fs::permissions(path, fs::perms::owner_all);
    const auto key = load_or_create_key(path, 32, true);
    ASSERT_FALSE(key.has_value());
    EXPECT_NE(key.error().find("not a regular file"), std::string::npos) << key.error();
}

TEST_F(KeyFile, DoesNotCreateThroughASymlink) {
    const fs::path target = dir_ / "target.key";
    const fs::path link = dir_ / "link.key";
    fs::create_symlink(target, link);
    const auto key = load_or_create_key(link, 32, true);
    EXPECT_FALSE(key.has_value());
    EXPECT_FALSE(fs::exists(target));
}

TEST_F(KeyFile, ReportsADirectoryThatDoesNotExist) {
    const auto key = load_or_create_key(dir_ / "no" / "such" / "dir.key", 32, true);
    ASSERT_FALSE(key.has_value());
    EXPECT_NE(key.error().find("cannot create key file"), std::string::npos) << key.error();
}

}  // namespace
}  // namespace keyledger::security
