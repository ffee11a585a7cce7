#include <sys/resource.h>
#include <QtTest>

#include <fstream>
#include <sstream>

#include "common/AtomicFile.h"
#include "common/Error.h"

using namespace bilevel;
namespace fs = std::filesystem;

namespace {

std::string contents(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int filesIn(const fs::path& folder) {
  int n = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(folder))
    ++n;
  return n;
}

// Lowers the file-size limit for the lifetime of the object (what `ulimit -f` does to a shell).
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &saved_);
    rlimit lowered = saved_;
    lowered.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &lowered);
  }
  ~FileSizeLimit() { setrlimit(RLIMIT_FSIZE, &saved_); }

 private:
  rlimit saved_{};
};

}  // namespace

class TestAtomicFile : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { reportFileSizeLimitAsError(); }

  void replacesTheFileAndLeavesNoTemporary() {
    QTemporaryDir dir;
    const fs::path target = fs::path(dir.path().toStdString()) / "params.json";
    writeFileAtomically(target, "first");
    writeFileAtomically(target, "second, longer");
    QCOMPARE(contents(target), std::string("second, longer"));
    QCOMPARE(filesIn(target.parent_path()), 1);
  }

  // Issue 8 §4: a full disk gives a clear error and leaves the previous output intact. The
  // file-size limit fails write() with EFBIG exactly as a full disk fails it with ENOSPC.
  void aWriteBeyondTheSizeLimitKeepsThePreviousFile() {
    QTemporaryDir dir;
    const fs::path target = fs::path(dir.path().toStdString()) / "history.csv";
    writeFileAtomically(target, "previous output\n");
    const std::string large(64 * 1024, 'x');
    bool thrown = false;
    {
      FileSizeLimit limit(4096);
      try {
        writeFileAtomically(target, large);
      } catch (const Error& e) {
        thrown = true;
        const QString message = QString::fromStdString(e.what());
        QVERIFY2(message.contains("history.csv"), qPrintable(message));
        QVERIFY2(message.contains("File too large"), qPrintable(message));
        QCOMPARE(e.kind(), ErrorKind::UnreadableInput);
      }
    }
    QVERIFY(thrown);
    QCOMPARE(contents(target), std::string("previous output\n"));
    QCOMPARE(filesIn(target.parent_path()), 1);
  }

  void aMissingFolderIsNamed() {
    QTemporaryDir dir;
    const fs::path target = fs::path(dir.path().toStdString()) / "no-such-folder" / "out.png";
    try {
      writeFileAtomically(target, "x");
      QFAIL("wrote into a folder that does not exist");
    } catch (const Error& e) {
      QVERIFY2(QString(e.what()).contains("no-such-folder"), e.what());
    }
  }
};

QTEST_GUILESS_MAIN(TestAtomicFile)
#include "tst_atomic_file.moc"
