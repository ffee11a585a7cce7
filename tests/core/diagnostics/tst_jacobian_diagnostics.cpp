#include <QtTest>

#include "common/Error.h"
#include "diagnostics/JacobianDiagnostics.h"

using namespace bilevel;

// The diagnostics as the studio runs them (core/diagnostics/JacobianDiagnostics.h).
class TestJacobianDiagnostics : public QObject {
  Q_OBJECT

  static Configuration configuration() {
    Configuration c = Configuration::fromPreset("tv-denoise");
    c.merge({{"image", "benchmark:24"}}, "test");
    return c;
  }

 private slots:
  void everyPartArrivesOnce() {
    const Configuration c = configuration();
    const TrainingPair pair = loadTrainingPairs(c).front();
    int started = 0, rows = 0, sequences = 0, maps = 0;
    JacobianDiagnosticsObserver observer;
    observer.started = [&](int methods) {
      ++started;
      QCOMPARE(methods, int(hypergradientMethodNames().size()));
    };
    observer.row = [&](const MethodAgreementRow& row) {
      ++rows;
      if (row.method == "implicit-cg") QVERIFY(row.relativeError < 1e-5);
    };
    observer.sequence = [&](const DerivativeSequence& s) {
      ++sequences;
      QVERIFY(s.fpad.back() < 1e-6);
      const RateReference reference = rateReference(s);
      const std::vector<double>& rate = reference.values;
      QVERIFY(!reference.measured);
      QCOMPARE(reference.first, 0);
      QVERIFY(!rate.empty());
      QCOMPARE(rate.front(), 1.0);
      // Stopped within a decade of the floor the sequences reach, not at their full length.
      const double floor = std::min(*std::min_element(s.fpad.begin(), s.fpad.end()),
                                    *std::min_element(s.unrolled.begin(), s.unrolled.end()));
      QVERIFY(rate.back() >= 0.1 * floor);
      QVERIFY(rate.back() * s.contractionRate < 0.1 * floor || rate.size() == s.fpad.size());
    };
    observer.maps = [&](const SensitivityMaps& m) {
      ++maps;
      QCOMPARE(m.sensitivity.rows, 24);
      QCOMPARE(m.adjoint.cols, 24);
    };
    QVERIFY(runJacobianDiagnostics(c, pair, {}, {}, observer));
    QCOMPARE(started, 1);
    QCOMPARE(rows, int(hypergradientMethodNames().size()));
    QCOMPARE(sequences, 1);
    QCOMPARE(maps, 1);
  }

  void aCancelledRunSaysSo() {
    const Configuration c = configuration();
    const TrainingPair pair = loadTrainingPairs(c).front();
    CancellationFlag cancel;
    cancel.cancel();
    int maps = 0;
    JacobianDiagnosticsObserver observer;
    observer.maps = [&](const SensitivityMaps&) { ++maps; };
    QVERIFY(!runJacobianDiagnostics(c, pair, {}, {}, observer, &cancel));
    QCOMPARE(maps, 0);
  }

  void parametersOfTheWrongSizeAreRefused() {
    const Configuration c = configuration();
    const TrainingPair pair = loadTrainingPairs(c).front();
    QVERIFY_THROWS_EXCEPTION(Error, runJacobianDiagnostics(c, pair, Vector::Ones(3), {}, {}));
  }
};

QTEST_MAIN(TestJacobianDiagnostics)
#include "tst_jacobian_diagnostics.moc"
