#include "StatusReport.h"

#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QStatusBar>
#include <algorithm>
#include <cmath>
#include <numeric>

#include "image/Quality.h"
#include "learning/TrainingPair.h"

namespace bilevel::studio {

namespace {

// The progress bar counts steps in these units, so that it moves inside a long step.
constexpr int kBarUnitsPerStep = 100;

QString formatDuration(double seconds) {
  if (seconds < 1.0) return StatusReport::tr("%1 ms").arg(seconds * 1e3, 0, 'f', 0);
  if (seconds < 10.0) return StatusReport::tr("%1 s").arg(seconds, 0, 'f', 1);
  if (seconds < 120.0) return StatusReport::tr("%1 s").arg(std::round(seconds), 0, 'f', 0);
  return StatusReport::tr("%1 min").arg(seconds / 60.0, 0, 'f', 1);
}

// Four decimals, as a weight slider shows it ("0.0200"); smaller weights (ν of a filter bank is
// often 1e-3 or less) with three significant digits instead of rounding to 0.
QString formatWeight(double value) {
  return std::abs(value) >= 0.01 || value == 0.0 ? QString::number(value, 'f', 4)
                                                 : QString::number(value, 'g', 3);
}

// A scalar block is its value; a weight map or a filter bank's ν by their median.
double summaryValue(const Vector& theta) {
  if (theta.size() == 0) return std::nan("");
  std::vector<double> values(theta.data(), theta.data() + theta.size());
  std::nth_element(values.begin(), values.begin() + values.size() / 2, values.end());
  return values[values.size() / 2];
}

}  // namespace

StatusReport::StatusReport(QStatusBar* bar, ProgressProbe probe, QObject* parent)
    : QObject(parent), probe_(std::move(probe)), bar_(bar) {
  statusText_ = new QLabel;
  statusText_->setObjectName(QStringLiteral("statusText"));
  // The summary is long; at 1024 px the bar elides it rather than widening the window.
  statusText_->setMinimumWidth(80);
  statusText_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
  figuresText_ = new QLabel;
  figuresText_->setObjectName(QStringLiteral("figuresText"));
  pixelText_ = new QLabel;
  pixelText_->setObjectName(QStringLiteral("pixelText"));
  noticeText_ = new QLabel;
  noticeText_->setObjectName(QStringLiteral("inputNoticeLabel"));
  noticeText_->setStyleSheet(QStringLiteral("color: #e0b050"));
  progress_ = new QProgressBar;
  progress_->setObjectName(QStringLiteral("runProgress"));
  progress_->setMaximumWidth(160);
  progress_->setTextVisible(true);
  bar->addWidget(statusText_, 1);
  bar->addPermanentWidget(noticeText_);
  bar->addPermanentWidget(figuresText_);
  bar->addPermanentWidget(pixelText_);
  bar->addPermanentWidget(progress_);
  progress_->hide();
  pollTimer_.setInterval(kPollMs);
  connect(&pollTimer_, &QTimer::timeout, this, &StatusReport::poll);
}

void StatusReport::showPreview(int iterations, double seconds, double psnr) {
  const QString time = seconds < 1.0 ? tr("%1 ms").arg(seconds * 1e3, 0, 'f', 0)
                                     : tr("%1 s").arg(seconds, 0, 'f', 2);
  say(tr("x*(θ) in %1 iterations, %2 · PSNR %3 dB").arg(iterations).arg(time).arg(psnr, 0, 'f', 2));
}

void StatusReport::say(const QString& text) {
  statusText_->setText(text);
  statusText_->setToolTip(text);
}

QString StatusReport::text() const {
  return statusText_->text();
}

void StatusReport::flash(const QString& message, int milliseconds) {
  bar_->showMessage(message, milliseconds);
}

void StatusReport::showPixel(const QString& text) {
  pixelText_->setText(text);
}

void StatusReport::setNotices(const QStringList& notes, const QStringList& details) {
  noticeText_->setText(notes.join(QStringLiteral(" · ")));
  noticeText_->setToolTip(details.join(QLatin1Char('\n')));
}

void StatusReport::beginLoading() {
  progress_->setRange(0, 0);
  progress_->show();
  say(tr("Reading images…"));
}

void StatusReport::idle() {
  pollTimer_.stop();
  learning_ = false;
  progressText_.clear();
  secondsLeft_.reset();
  progress_->hide();
}

void StatusReport::beginRun(int steps, const QString& method) {
  learning_ = true;
  runSteps_ = std::max(1, steps);
  stepsDone_ = 0;
  method_ = method;
  stepSeconds_.clear();
  loopStart_.reset();
  lastIteration_ = 0;
  secondsLeft_.reset();
  runClock_.start();
  stepClock_.start();
  progress_->setRange(0, runSteps_ * kBarUnitsPerStep);
  progress_->setValue(0);
  progress_->setFormat(tr("%1 of %2 steps").arg(0).arg(runSteps_));
  progress_->show();
  progressText_ = tr("Learning with %1…").arg(method_);
  say(progressText_);
  pollTimer_.start();
}

void StatusReport::stepShown(const Snapshot& row, int stepsDone) {
  figuresRow_ = row;
  figuresStale_ = false;
  showFigures();
  if (!learning_) return;
  // Iteration 0 is the evaluation of the start, not a step.
  if (stepsDone > stepsDone_) stepSeconds_.push_back(row.stepSeconds);
  stepsDone_ = std::min(runSteps_, stepsDone);
  stepClock_.start();
  loopStart_.reset();
  lastIteration_ = 0;
  progress_->setValue(stepsDone_ * kBarUnitsPerStep);
  progress_->setFormat(tr("%1 of %2 steps").arg(stepsDone_).arg(runSteps_));
  poll();
}

std::optional<double> StatusReport::loopSecondsLeft(const CancellationFlag::Progress& progress) {
  if (progress.loop && progress.total > 0) {
    // A loop of known length (unrolled's reverse pass): its steps cost alike.
    const double now = stepClock_.nsecsElapsed() * 1e-9;
    if (!loopStart_ || loopStart_->loop != progress.loop || progress.iteration < lastIteration_)
      loopStart_ = LoopSample{progress.loop, progress.iteration, 0.0, now};
    lastIteration_ = progress.iteration;
    const int done = progress.iteration - loopStart_->iteration;
    const double seconds = now - loopStart_->seconds;
    if (done < 10 || seconds < 0.2) return {};
    return std::max(0, progress.total - progress.iteration) * seconds / done;
  }
  if (!progress.loop || !(progress.measure > 0.0) || !(progress.tolerance > 0.0)) return {};
  const double now = stepClock_.nsecsElapsed() * 1e-9;
  const double logMeasure = std::log(progress.measure);
  // A new solve (another loop, or the count started again) restarts the measurement.
  if (!loopStart_ || loopStart_->loop != progress.loop || progress.iteration < lastIteration_)
    loopStart_ = LoopSample{progress.loop, progress.iteration, logMeasure, now};
  lastIteration_ = progress.iteration;
  if (progress.measure <= progress.tolerance) return 0.0;
  // The solvers converge linearly: log(residual) falls at a steady rate, so the time to the
  // tolerance is the log distance left over the rate measured since this solve was first seen.
  const double fallen = loopStart_->logMeasure - logMeasure;
  const double seconds = now - loopStart_->seconds;
  if (progress.iteration - loopStart_->iteration < 10 || !(fallen > 0.0) || seconds < 0.2)
    return {};
  return (logMeasure - std::log(progress.tolerance)) * seconds / fallen;
}

void StatusReport::poll() {
  if (!learning_) return;
  const CancellationFlag::Progress progress = probe_ ? probe_() : CancellationFlag::Progress{};
  const double elapsed = stepClock_.nsecsElapsed() * 1e-9;
  const double meanStep =
      stepSeconds_.empty()
          ? 0.0
          : std::accumulate(stepSeconds_.begin(), stepSeconds_.end(), 0.0) / stepSeconds_.size();
  // This step: from its solve's residual when it runs long enough to measure, else the steps
  // before it; then the steps after it at their mean.
  std::optional<double> stepLeft = loopSecondsLeft(progress);
  if (stepLeft && !stepSeconds_.empty()) stepLeft = std::max(*stepLeft, 0.0);
  if (!stepLeft && !stepSeconds_.empty()) stepLeft = std::max(0.0, meanStep - elapsed);
  const int stepsAfter = std::max(0, runSteps_ - stepsDone_ - 1);
  secondsLeft_.reset();
  if (stepLeft && (stepsAfter == 0 || !stepSeconds_.empty()))
    secondsLeft_ = *stepLeft + stepsAfter * meanStep;

  QStringList parts;
  parts << tr("Learning with %1: step %2 of %3").arg(method_).arg(stepsDone_ + 1).arg(runSteps_);
  if (progress.loop && progress.total > 0) {
    parts << tr("%1 %2 of %3 iterations")
                 .arg(QString::fromLatin1(progress.loop))
                 .arg(progress.iteration)
                 .arg(progress.total);
  } else if (progress.loop) {
    parts << tr("%1 %2 iterations, residual %3 (tolerance %4)")
                 .arg(QString::fromLatin1(progress.loop))
                 .arg(progress.iteration)
                 .arg(progress.measure, 0, 'e', 1)
                 .arg(progress.tolerance, 0, 'g', 2);
  }
  if (secondsLeft_) {
    parts << tr("about %1 left").arg(formatDuration(*secondsLeft_));
  } else {
    parts << tr("%1 elapsed").arg(formatDuration(runClock_.nsecsElapsed() * 1e-9));
  }
  progressText_ = parts.join(QStringLiteral(" · "));
  say(progressText_);
  if (stepLeft && elapsed + *stepLeft > 0.0) {
    const double fraction = std::clamp(elapsed / (elapsed + *stepLeft), 0.0, 0.99);
    progress_->setValue(stepsDone_ * kBarUnitsPerStep + int(fraction * kBarUnitsPerStep));
  }
}

void StatusReport::showOpened(const TrainingPair& pair, int pairCount) {
  const double noisyPsnr = psnr(pair.noisy.pixels, pair.clean.pixels);
  say(tr("%1: %2×%3, noisy PSNR %4 dB%5")
          .arg(QString::fromStdString(pair.name))
          .arg(pair.clean.cols)
          .arg(pair.clean.rows)
          .arg(noisyPsnr, 0, 'f', 2)
          .arg(pairCount > 1 ? tr(" (%1 training pairs)").arg(pairCount) : QString()));
  // Not a dialog: a colour file made grey, or a data range other than the type range, is worth
  // knowing but must not stop a script (--screenshot, tests) waiting for a click. A short note
  // stays while these images are open; the tooltip has the whole sentences.
  QStringList notes, notices;
  if (pair.clean.convertedFromColour || pair.noisy.convertedFromColour)
    notes << tr("colour converted to grey");
  if (pair.clean.range.kind == IntensityRange::Kind::DataRange) {
    notes << tr("data range %1–%2")
                 .arg(pair.clean.range.low, 0, 'g', 6)
                 .arg(pair.clean.range.high, 0, 'g', 6);
  }
  for (const std::string& notice : inputNotices(pair))
    notices << QString::fromStdString(notice);
  setNotices(notes, notices);
}

void StatusReport::announceRecovery(const QDateTime& savedAt, int steps) {
  flash(tr("Recovered the session autosaved on %1 (%2 learning steps); Learn continues from "
           "there.")
            .arg(QLocale().toString(savedAt.date(), QLocale::LongFormat) + QLatin1Char(' ') +
                 savedAt.time().toString(QStringLiteral("HH:mm:ss")))
            .arg(steps),
        30000);
}

QString StatusReport::describe(RunEnd end, const QString& message) {
  QString text;
  switch (end) {
    case RunEnd::Steps:
      return tr("the steps asked for are done; Learn continues");
    case RunEnd::Paused:
      return tr("paused; Learn continues");
    case RunEnd::Converged:
      text = tr("converged: the loss no longer decreases, θ is a minimum to the solves' accuracy");
      break;
    case RunEnd::IterationLimit:
      text = tr("stopped at outer.iterations before converging; raise it to go on");
      break;
    case RunEnd::Cancelled:
      return tr("stopped by you; what was learned is kept");
    case RunEnd::Failed:
      return message.isEmpty() ? tr("failed") : tr("failed: %1").arg(message);
  }
  return text;  // the core's detail goes to the tooltip (endRun)
}

void StatusReport::endRun(const RunOutcome& outcome) {
  const double seconds = runClock_.isValid() ? runClock_.nsecsElapsed() * 1e-9 : 0.0;
  idle();
  summary_.clear();
  if (outcome.first && outcome.last && outcome.last->iteration > outcome.first->iteration) {
    const Snapshot& first = *outcome.first;
    const Snapshot& last = *outcome.last;
    const int steps = last.iteration - first.iteration;
    // The first block of θ (the whole θ when the layout is not known or does not fit).
    Eigen::Index offset = 0, size = last.parameters.size();
    QString symbol = tr("λ");
    if (layout_ && !layout_->blocks().empty() && layout_->size() == last.parameters.size() &&
        first.parameters.size() == last.parameters.size()) {
      const ParameterBlock& block = layout_->blocks().front();
      offset = block.offset;
      size = block.size;
      symbol = QString::fromStdString(block.symbol.empty() ? block.name : block.symbol);
    }
    const auto value = [&](const Vector& theta) {
      return theta.size() >= offset + size ? summaryValue(theta.segment(offset, size))
                                           : summaryValue(theta);
    };
    const QString name = size > 1 ? tr("%1 median").arg(symbol) : symbol;
    const QString count = steps == 1 ? tr("1 step") : tr("%1 steps").arg(steps);
    summary_ = tr("%1 %2 → %3, PSNR %4 → %5 dB in %6, %7")
                   .arg(name)
                   .arg(formatWeight(value(first.parameters)))
                   .arg(formatWeight(value(last.parameters)))
                   .arg(first.psnr, 0, 'f', 1)
                   .arg(last.psnr, 0, 'f', 1)
                   .arg(count, formatDuration(seconds));
  }
  QString reason = describe(outcome.end, outcome.message);
  reason[0] = reason[0].toUpper();
  say(summary_.isEmpty() ? reason : summary_ + QStringLiteral(". ") + reason);
  if (!outcome.message.isEmpty() && outcome.end != RunEnd::Failed)
    statusText_->setToolTip(statusText_->text() + QStringLiteral("\n") + outcome.message);
  if (outcome.last) {
    figuresRow_ = outcome.last;
    figuresStale_ = false;
    showFigures();
  }
}

void StatusReport::beginDiagnostics(int parts) {
  progress_->setRange(0, parts);
  progress_->setValue(0);
  progress_->setFormat(QStringLiteral("%v/%m"));
  progress_->show();
  say(tr("Running every hypergradient method…"));
}

void StatusReport::advanceDiagnostics(const QString& done) {
  progress_->setValue(std::min(progress_->maximum(), progress_->value() + 1));
  if (!done.isEmpty()) say(tr("Diagnostics: %1 done").arg(done));
}

void StatusReport::completeDiagnostics() {
  progress_->setValue(progress_->maximum());
}

void StatusReport::markFiguresStale() {
  if (!figuresRow_ || figuresStale_) return;
  figuresStale_ = true;
  showFigures();
}

void StatusReport::clearFigures() {
  figuresRow_.reset();
  figuresStale_ = false;
  showFigures();
}

QString StatusReport::figures() const {
  return figuresText_->text();
}

void StatusReport::showFigures() {
  if (!figuresRow_) {
    figuresText_->clear();
    figuresText_->setToolTip({});
    return;
  }
  const Snapshot& row = *figuresRow_;
  // Short: at 1024 px it shares the bar with the summary line.
  QString text = tr("it. %1 · %2 dB · U %3 · ‖∇U‖ %4 · %5/step")
                     .arg(row.iteration)
                     .arg(row.psnr, 0, 'f', 2)
                     .arg(row.outerLoss, 0, 'g', 4)
                     .arg(row.hypergradientNorm, 0, 'g', 2)
                     .arg(formatDuration(row.stepSeconds));
  if (figuresStale_) {
    // Kept for reference, but not the figures of what the window now shows.
    figuresText_->setText(tr("stale: %1").arg(text));
    figuresText_->setStyleSheet(QStringLiteral("color: palette(mid)"));
    figuresText_->setToolTip(
        tr("Computed before the settings, θ or images changed; Learn computes new figures."));
  } else {
    figuresText_->setText(text);
    figuresText_->setStyleSheet({});
    figuresText_->setToolTip({});
  }
}

}  // namespace bilevel::studio
