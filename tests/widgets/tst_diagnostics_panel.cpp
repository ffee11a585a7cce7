#include <QtTest>
#include <limits>

#include "widgets/DiagnosticsPanel.h"
#include "widgets/SeriesPlot.h"

using namespace bilevel;
using bilevel::widgets::DiagnosticsPanel;

// A refused method/solver pair and a missing derivative sequence show their reason, not a row of
// NaN (issue 9 §1).
class DiagnosticsPanelTest : public QObject {
  Q_OBJECT

 private slots:
  void aRefusedRowShowsItsReason() {
    DiagnosticsPanel panel;
    panel.begin(2);
    MethodAgreementRow computed;
    computed.method = "implicit-cg";
    computed.description = "exact";
    computed.relativeError = 1e-9;
    computed.cosine = 1.0;
    computed.hypergradientNorm = 0.5;
    panel.addAgreementRow(computed);
    MethodAgreementRow refused;
    refused.method = "unrolled";
    refused.description = "through the iterations";
    refused.refusal = "unrolled differentiates the solver's iterations; lbfgs has no iteration map";
    refused.relativeError = std::numeric_limits<double>::quiet_NaN();
    refused.summary.termination = Termination::Unsupported;
    panel.addAgreementRow(refused);
    QCOMPARE(panel.rowCount(), 2);
    QVERIFY(panel.cellText(1, 0).startsWith("unrolled"));
    QVERIFY(panel.cellText(1, 0).contains("refused"));
    QVERIFY(panel.cellText(1, 0).endsWith(QString::fromStdString(refused.refusal)));
    QCOMPARE(panel.cellColumnSpan(1, 0), 9);  // the whole row
    QVERIFY(panel.cellText(1, 2).isEmpty());  // no NaN in the number columns
    // The computed row keeps its numbers and no span.
    QCOMPARE(panel.cellColumnSpan(0, 0), 1);
    QVERIFY(panel.cellText(0, 2).contains("e-09"));
    // A new run starts without the old spans.
    panel.begin(1);
    panel.addAgreementRow(computed);
    QCOMPARE(panel.cellColumnSpan(0, 0), 1);
  }

  void aMissingDerivativeSequenceSaysWhy() {
    DiagnosticsPanel panel;
    DerivativeSequence missing;
    missing.unavailable = "lbfgs has no iteration map (its steps depend on a line search)";
    panel.setDerivativeSequence(missing);
    QCOMPARE(panel.derivativeSequenceNote(), QString::fromStdString(missing.unavailable));
    QCOMPARE(panel.derivativeSequencePlot()->seriesCount(), 0);
    DerivativeSequence present;
    present.unrolled = {1.0, 0.5, 0.25};
    present.fpad = {1.0, 0.1, 0.01};
    panel.setDerivativeSequence(present);
    QVERIFY(panel.derivativeSequenceNote().isEmpty());
    QVERIFY(panel.derivativeSequencePlot()->seriesCount() >= 2);
  }
};

QTEST_MAIN(DiagnosticsPanelTest)
#include "tst_diagnostics_panel.moc"
