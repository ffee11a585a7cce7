#pragma once

// A program run as a user runs it (the command-line suites: bilevel-cli, bilevel-studio's
// scripted mode): its exit code and what it printed.

#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

namespace bilevel::test {

struct ProcessRun {
  int exitCode;  // −1 when the program crashed, was killed or did not end in time
  QString out;
  QString err;
};

// Runs `program` with `arguments` in `environment` and waits up to timeoutMs; a program still
// running then is killed, and the run says "timed out" on err.
inline ProcessRun runProcess(
    const QString& program, const QStringList& arguments, int timeoutMs,
    const QProcessEnvironment& environment = QProcessEnvironment::systemEnvironment()) {
  QProcess process;
  process.setProcessEnvironment(environment);
  process.start(program, arguments);
  if (!process.waitForFinished(timeoutMs)) {
    process.kill();
    process.waitForFinished();
    return {-1, QString::fromUtf8(process.readAllStandardOutput()), QStringLiteral("timed out")};
  }
  return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
          QString::fromUtf8(process.readAllStandardOutput()),
          QString::fromUtf8(process.readAllStandardError())};
}

}  // namespace bilevel::test
