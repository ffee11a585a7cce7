// StallMonitor: the longest gap in the GUI thread's event loop, and the CPU time the thread
// itself spent between two turns of it, which tells the window's own work from time spent waiting
// for a core on a loaded machine.
#include <time.h>
#include <QEventLoop>
#include <QThread>
#include <QTimer>
#include <QtTest>

#include "app/studio/StallMonitor.h"

using bilevel::studio::StallMonitor;

namespace {

double threadCpuMs() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) * 1e3 + double(t.tv_nsec) * 1e-6;
}

// Runs `slot` once from the event loop while the monitor watches, then a few quiet turns. The
// quit is scheduled after the slot has run, so the monitor's overdue tick always comes between
// them however late a loaded machine lets the loop start.
void watch(StallMonitor& monitor, const std::function<void()>& slot) {
  QEventLoop loop;
  monitor.start();
  QTimer::singleShot(20, [&] {
    slot();
    QTimer::singleShot(30, &loop, &QEventLoop::quit);
  });
  loop.exec();
  monitor.stop();
}

}  // namespace

class StallMonitorTest : public QObject {
  Q_OBJECT

 private slots:
  // A slot that computes for 40 ms of its thread's CPU time (however long that takes on a busy
  // machine) is a 40 ms busy stretch, and at least as long a stall.
  void aComputingSlotIsBusyTime() {
    StallMonitor monitor;
    watch(monitor, [] {
      const double start = threadCpuMs();
      volatile double sink = 0.0;
      while (threadCpuMs() - start < 40.0)
        sink = sink + 1.0;
    });
    qInfo("busy %.2f ms, stall %.2f ms, cpu %.2f ms, ticks %d", monitor.longestBusyCpuMs(),
          monitor.longestStallMs(), monitor.totalCpuMs(), monitor.ticks());
    QVERIFY2(monitor.longestBusyCpuMs() >= 38.0,
             qPrintable(QString::number(monitor.longestBusyCpuMs())));
    QVERIFY(monitor.longestStallMs() >= 35.0);
    QVERIFY(monitor.totalCpuMs() >= monitor.longestBusyCpuMs());
  }

  // A slot that waits 60 ms (a blocking call, or a machine that gives the thread no core) stalls
  // the loop but costs the thread no CPU time.
  void aWaitingSlotStallsWithoutBusyTime() {
    StallMonitor monitor;
    watch(monitor, [] { QThread::msleep(60); });
    QVERIFY2(monitor.longestStallMs() >= 55.0,
             qPrintable(QString::number(monitor.longestStallMs())));
    QVERIFY2(monitor.longestBusyCpuMs() < 20.0,
             qPrintable(QString::number(monitor.longestBusyCpuMs())));
  }
};

QTEST_MAIN(StallMonitorTest)
#include "tst_stall_monitor.moc"
