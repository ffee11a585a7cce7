#pragma once

// The bilevel-cli suites' fixture: the program run as a user runs it (BILEVEL_CLI, the path
// tests/CMakeLists.txt defines) and a temporary folder for its inputs and outputs that lives as
// long as the suite. A suite derives from QObject first, then from CliFixture.

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <QtTest>

#include "ProcessRun.h"

namespace bilevel::test {

class CliFixture {
 protected:
  using Run = ProcessRun;
  // bilevel-cli with `arguments`; killed after timeoutMs (ProcessRun.h).
  static Run run(const QStringList& arguments, int timeoutMs = 120000) {
    return runProcess(BILEVEL_CLI, arguments, timeoutMs);
  }
  QString path(const QString& name) const { return dir_.filePath(name); }
  // Writes `bytes` to path(name), making its folder.
  void writeFile(const QString& name, const QByteArray& bytes) {
    QDir().mkpath(QFileInfo(path(name)).absolutePath());
    QFile file(path(name));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(bytes);
  }
  // The file's bytes; empty when it cannot be read.
  static QByteArray readFile(const QString& file) {
    QFile f(file);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
  }

 private:
  QTemporaryDir dir_;
};

}  // namespace bilevel::test
