// CoreWorker's learning snapshots while the window is busy (issue 8 §3): every step's figures
// arrive, but the pictures of only as many steps as kMaxPicturesInFlight, and of the last one, so
// that a window slower than the steps does not pile up images in its event queue.
#include <QThread>
#include <QtTest>
#include <atomic>
#include <utility>
#include <vector>

#include "StudioTestSupport.h"
#include "app/studio/CoreTypes.h"
#include "app/studio/CoreWorker.h"
#include "app/studio/QueuedCall.h"

using namespace bilevel;
using bilevel::studio::CoreWorker;
using bilevel::studio::ModelViews;

namespace {

// A CoreWorker on a thread of its own, as the window runs it; stopped on every way out, a failed
// check included. The test's connections are dropped in this thread first: their slot objects
// were called here, and freeing them in the worker thread when it deletes the worker would be
// ordered only by Qt's atomic reference counts, which ThreadSanitizer cannot see
// (app/studio/QueuedCall.h).
class WorkerThread {
 public:
  explicit WorkerThread(QObject* test) : test_(test) {
    studio::registerCoreMetaTypes();
    worker_->moveToThread(&thread_);
    QObject::connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
    thread_.start();
  }
  ~WorkerThread() {
    QObject::disconnect(worker_, nullptr, test_, nullptr);
    {
      // Orders the disconnect before the worker thread deletes the worker on finishing.
      const studio::QueuedCallScope handover;
      thread_.quit();
    }
    thread_.wait();
  }
  WorkerThread(const WorkerThread&) = delete;
  WorkerThread& operator=(const WorkerThread&) = delete;

  CoreWorker* worker() const { return worker_; }

 private:
  QObject* test_;
  QThread thread_;
  CoreWorker* worker_ = new CoreWorker;
};

// Adam without a stop on the loss's decrease: every requested step runs.
Configuration everyStepRuns() {
  Configuration configuration = studio::test::presetOn("benchmark:32");
  configuration.set("outer.optimizer=adam");
  configuration.set("outer.tolerance=0");
  return configuration;
}

}  // namespace

class CoreWorkerTest : public QObject {
  Q_OBJECT

 private slots:
  void aBusyWindowGetsEveryStepButFewPictures() {
    const WorkerThread thread(this);
    CoreWorker* worker = thread.worker();
    const Configuration configuration = everyStepRuns();
    bool loaded = false;
    std::vector<std::pair<int, bool>> received;  // iteration, with a picture
    QString stopped;
    connect(worker, &CoreWorker::loaded, this, [&] { loaded = true; });
    connect(worker, &CoreWorker::snapshotReady, this,
            [&](const Snapshot& snapshot, const ModelViews&) {
              worker->snapshotTaken();
              received.emplace_back(snapshot.iteration, snapshot.reconstruction.size() > 0);
            });
    connect(worker, &CoreWorker::learningStopped, this,
            [&](studio::RunEnd end) { stopped = studio::toString(end); });
    studio::queueCall(worker, [&] { worker->load(configuration); });
    QTRY_VERIFY_WITH_TIMEOUT(loaded, 30000);

    // The window serves no events until the worker has finished all the steps.
    const int steps = 30;
    std::atomic<bool> done{false};
    worker->armRun();
    studio::queueCall(worker, [&] { worker->learn(steps, Vector(), 0.05); });
    studio::queueCall(worker, [&] { done = true; });
    while (!done)
      QThread::msleep(5);
    QTRY_COMPARE_WITH_TIMEOUT(stopped, QStringLiteral("steps"), 30000);

    // Iteration 0 (the initial evaluation) and every step, in order.
    QCOMPARE(int(received.size()), steps + 1);
    int pictures = 0;
    for (int i = 0; i <= steps; ++i) {
      QCOMPARE(received[i].first, i);
      pictures += received[i].second ? 1 : 0;
    }
    // The first ones until kMaxPicturesInFlight waited, then none until the last.
    for (int i = 0; i < CoreWorker::kMaxPicturesInFlight; ++i)
      QVERIFY(received[i].second);
    QVERIFY(received.back().second);
    QCOMPARE(pictures, CoreWorker::kMaxPicturesInFlight + 1);

    // A window that takes each snapshot before the next step: a picture with every step.
    received.clear();
    stopped.clear();
    worker->armRun();
    studio::queueCall(worker, [&] { worker->learn(5, Vector(), 0.05); });
    QTRY_COMPARE_WITH_TIMEOUT(stopped, QStringLiteral("steps"), 30000);
    QVERIFY(!received.empty());
    QVERIFY(received.back().second);
  }

  // Pause and Stop go through the learning session's observer (RunControl's decision): Pause
  // finishes the step in progress and keeps the session, so Learn continues with the next
  // iteration; Stop ends it. The views the model shows come from the model (LowerLevel::views).
  void pauseKeepsTheSessionAndStopEndsIt() {
    const WorkerThread thread(this);
    CoreWorker* worker = thread.worker();
    Configuration configuration = everyStepRuns();
    configuration.set("model.type=huber-tv-map");
    bool loaded = false;
    QStringList views;
    std::vector<int> received;
    QString stopped;
    connect(worker, &CoreWorker::loaded, this, [&] { loaded = true; });
    connect(worker, &CoreWorker::viewsChanged, this,
            [&](const QStringList& kinds) { views = kinds; });
    connect(worker, &CoreWorker::snapshotReady, this,
            [&](const Snapshot& snapshot, const ModelViews&) {
              worker->snapshotTaken();
              received.push_back(snapshot.iteration);
              if (snapshot.iteration == 2) worker->requestPause();
            });
    connect(worker, &CoreWorker::learningStopped, this,
            [&](studio::RunEnd end) { stopped = studio::toString(end); });
    studio::queueCall(worker, [&] { worker->load(configuration); });
    QTRY_VERIFY_WITH_TIMEOUT(loaded, 30000);
    QCOMPARE(views, (QStringList{"reconstruction", "weight-map"}));

    const int steps = 200;
    worker->armRun();
    studio::queueCall(worker, [&] { worker->learn(steps, Vector(), 0.05); });
    QTRY_VERIFY_WITH_TIMEOUT(!stopped.isEmpty(), 60000);
    QCOMPARE(stopped, QStringLiteral("paused"));
    QVERIFY(received.size() >= 3);
    const int pausedAt = received.back();
    QVERIFY2(pausedAt < steps, qPrintable(QString::number(pausedAt)));
    for (std::size_t i = 0; i < received.size(); ++i)
      QCOMPARE(received[i], int(i));

    // Learn continues the paused session: the next snapshot is the next iteration, not a new 0.
    received.clear();
    stopped.clear();
    worker->armRun();
    studio::queueCall(worker, [&] { worker->learn(2, Vector(), 0.05); });
    QTRY_COMPARE_WITH_TIMEOUT(stopped, QStringLiteral("steps"), 30000);
    QCOMPARE(received, (std::vector<int>{pausedAt + 1, pausedAt + 2}));

    // Stop: the session ends as cancelled, and the next Learn starts a new one from iteration 0.
    received.clear();
    stopped.clear();
    worker->armRun();
    worker->requestStop();
    studio::queueCall(worker, [&] { worker->learn(2, Vector(), 0.05); });
    QTRY_COMPARE_WITH_TIMEOUT(stopped, QStringLiteral("cancelled"), 30000);
    stopped.clear();
    received.clear();
    worker->armRun();
    studio::queueCall(worker, [&] { worker->learn(1, Vector(), 0.05); });
    QTRY_COMPARE_WITH_TIMEOUT(stopped, QStringLiteral("steps"), 30000);
    QCOMPARE(received.front(), 0);

    // A model without a weight map has no such view.
    configuration.set("model.type=huber-tv");
    views.clear();
    studio::queueCall(worker, [&] { worker->reconfigure(configuration); });
    QTRY_COMPARE_WITH_TIMEOUT(views, QStringList{"reconstruction"}, 30000);
  }
};

QTEST_MAIN(CoreWorkerTest)
#include "tst_core_worker.moc"
