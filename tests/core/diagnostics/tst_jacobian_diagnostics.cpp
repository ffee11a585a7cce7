#include <QtTest>

#include "common/Error.h"
#include "diagnostics/JacobianDiagnostics.h"
#include "registry/Registry.h"

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

  // TV through Chambolle–Pock: the agreement table (Hessian methods refused with their reasons),
  // the support identification, the sequences against the manifold tangent and the manifold's
  // maps.
  void totalVariationHasEveryPart() {
    // Until the learning session runs primal–dual models the configuration refuses tv.
    if (const auto* tv = registry::findModel("tv"); !tv->unavailable.empty()) {
      QSKIP(qPrintable("tv is not configurable yet: " + QString::fromStdString(tv->unavailable)));
    }
    Configuration c = configuration();
    c.merge({{"model", {{"type", "tv"}}},
             {"solver", {{"type", "chambolle-pock"}}},
             {"hypergradient", {{"method", "fpad"}}},
             {"image", "benchmark:16"}},
            "test");
    const TrainingPair pair = loadTrainingPairs(c).front();
    int rows = 0, refused = 0, supports = 0, sequences = 0, maps = 0;
    std::vector<std::string> order;
    JacobianDiagnosticsObserver observer;
    observer.row = [&](const MethodAgreementRow& row) {
      ++rows;
      if (!row.refusal.empty()) {
        ++refused;
        QVERIFY2(QString::fromStdString(row.refusal).contains("tv"), row.refusal.c_str());
        return;
      }
      if (row.method == "implicit-manifold" || row.method == "fpad") {
        QVERIFY2(row.relativeError < 1e-5, qPrintable(QString::fromStdString(row.method) + ": " +
                                                      QString::number(row.relativeError)));
      }
    };
    observer.support = [&](const SupportIdentification& s) {
      ++supports;
      order.push_back("support");
      // Stopped early, at the gap of JacobianDiagnosticsOptions::supportStopGap.
      QVERIFY(s.iterations.size() >= 3);
      QVERIFY(s.iterations.back() < JacobianDiagnosticsOptions{}.primalDualIterations);
      QVERIFY(s.relativeGap.back() <= JacobianDiagnosticsOptions{}.supportStopGap);
      QVERIFY2(s.identifiedAt > 0, qPrintable(QString::number(s.identifiedAt)));
      qInfo("support: %lld pixels, identified at %d, relative gap %.2e at %d",
            (long long)s.supportSize.back(), s.identifiedAt, s.relativeGap.back(),
            s.iterations.back());
    };
    observer.sequence = [&](const DerivativeSequence& s) {
      ++sequences;
      order.push_back("sequence");
      QVERIFY(s.unavailable.empty());
      QCOMPARE(s.iteration, std::string("chambolle-pock"));
      // Both stopped at JacobianDiagnosticsOptions::sequenceStopBelow.
      QVERIFY2(s.fpad.back() <= 1e-10, qPrintable(QString::number(s.fpad.back())));
      QVERIFY2(s.unrolled.back() <= 1e-10, qPrintable(QString::number(s.unrolled.back())));
      QVERIFY(s.identifiedAt > 0);
      const RateReference reference = rateReference(s);
      QVERIFY(reference.measured);
      QVERIFY(!reference.values.empty());
      qInfo("sequence: identified at %d; unrolled %.2e (rate %.6f), fpad %.2e (rate %.6f)",
            s.identifiedAt, s.unrolled.back(), s.unrolledRate, s.fpad.back(), s.fpadRate);
    };
    observer.maps = [&](const SensitivityMaps& m) {
      ++maps;
      QCOMPARE(m.sensitivity.rows, 16);
      QVERIFY(m.sensitivity.pixels.norm() > 0.0);
      QVERIFY(m.adjoint.pixels.norm() > 0.0);
    };
    QVERIFY(runJacobianDiagnostics(c, pair, {}, {}, observer));
    QCOMPARE(rows, int(hypergradientMethodNames().size()));
    QVERIFY(refused > 0);
    QCOMPARE(supports, 1);
    QCOMPARE(sequences, 1);
    QCOMPARE(maps, 1);
    QCOMPARE(order.front(), std::string("support"));
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
