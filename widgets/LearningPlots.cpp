#include "widgets/LearningPlots.h"

#include <QBuffer>
#include <QChart>
#include <QDir>
#include <QGraphicsScene>
#include <QGridLayout>
#include <QImage>
#include <QPainter>
#include <QSaveFile>
#include <QSvgGenerator>
#include <algorithm>
#include <array>

#include "learning/LearningRecords.h"
#include "widgets/SeriesPlot.h"

namespace bilevel::widgets {

namespace {

const QColor kFigureBackground(0x12, 0x13, 0x16);
const QColor kLossColour(0x4d, 0xc3, 0xff);
const QColor kPsnrColour(0xff, 0xa9, 0x4d);
const QColor kNormColour(0x69, 0xdb, 0x7c);
const QColor kInnerColour(0xb1, 0x97, 0xfc);
const QColor kEnvelopeColour(0x86, 0x8e, 0x96);
const QColor kMedianColour(0xe9, 0xec, 0xef);
const std::array<QColor, 4> kParameterColours = {QColor(0x4d, 0xc3, 0xff), QColor(0xff, 0xa9, 0x4d),
                                                 QColor(0x69, 0xdb, 0x7c),
                                                 QColor(0xff, 0x6b, 0x6b)};
constexpr int kGap = 4;  // pixels between the charts, on screen and in exports

QString displayPath(const QString& path) {
  return QDir::toNativeSeparators(path);
}

bool fail(QString* error, const QString& message) {
  if (error) *error = message;
  return false;
}

bool writeAtomically(const QString& path, const QByteArray& bytes, QString* error) {
  if (path.isEmpty()) return fail(error, QObject::tr("No file name given for the plot export."));
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly)) {
    return fail(
        error,
        QObject::tr("Could not write \"%1\": %2").arg(displayPath(path), file.errorString()));
  }
  if (file.write(bytes) != bytes.size()) {
    const QString reason = file.errorString();
    file.cancelWriting();
    return fail(error, QObject::tr("Could not write \"%1\": %2").arg(displayPath(path), reason));
  }
  if (!file.commit()) {
    return fail(
        error, QObject::tr("Could not save \"%1\": %2").arg(displayPath(path), file.errorString()));
  }
  return true;
}

}  // namespace

LearningPlots::LearningPlots(QWidget* parent) : QWidget(parent) {
  const QString iteration = tr("outer iteration");

  loss_ = new SeriesPlot(tr("Outer loss and PSNR"), iteration, tr("U(θ)"), this);
  loss_->setLogarithmicY(true);
  loss_->setIntegerX(true);
  lossSeries_ = loss_->addSeries(tr("outer loss U"), kLossColour);
  psnrSeries_ = loss_->addSeries(tr("PSNR"), kPsnrColour, true);
  loss_->setSecondaryAxis(psnrSeries_, tr("PSNR (dB)"));

  hypergradient_ = new SeriesPlot(tr("Hypergradient norm"), iteration, tr("‖∇U‖"), this);
  hypergradient_->setLogarithmicY(true);
  hypergradient_->setIntegerX(true);
  normSeries_ = hypergradient_->addSeries(tr("‖∇U‖"), kNormColour);

  parameters_ = new SeriesPlot(tr("Parameters θ"), iteration, tr("value"), this);
  parameters_->setIntegerX(true);

  inner_ = new SeriesPlot(tr("Lower-level iterations"), iteration, tr("iterations per step"), this);
  inner_->setIntegerX(true);
  inner_->setIntegerY(true);
  innerSeries_ = inner_->addSeries(tr("inner iterations"), kInnerColour);
  inner_->setPointsVisible(innerSeries_, true);

  grid_ = new QGridLayout(this);
  grid_->setContentsMargins(0, 0, 0, 0);
  grid_->setSpacing(kGap);
  arrange(2);

  QPalette palette = this->palette();
  palette.setColor(QPalette::Window, kFigureBackground);
  setPalette(palette);
  setAutoFillBackground(true);
}

LearningPlots::~LearningPlots() = default;

void LearningPlots::arrange(int columns) {
  columns_ = columns;
  const std::array<SeriesPlot*, 4> plots = {loss_, hypergradient_, parameters_, inner_};
  for (SeriesPlot* plot : plots)
    grid_->removeWidget(plot);
  for (int i = 0; i < 4; ++i)
    grid_->addWidget(plots[i], i / columns, i % columns);
  for (int c = 0; c < 2; ++c)
    grid_->setColumnStretch(c, c < columns ? 1 : 0);
  for (int r = 0; r < 4; ++r)
    grid_->setRowStretch(r, r < 4 / columns ? 1 : 0);
  updateGeometry();
}

QSize LearningPlots::minimumSizeHint() const {
  // One chart's minimum across, and as many rows as the arrangement has: narrower than two
  // charts the grid wraps instead of forcing its container wider.
  const QSize chart = loss_->minimumSizeHint();
  const int rows = 4 / columns_;
  return {chart.width(), rows * chart.height() + (rows - 1) * kGap};
}

void LearningPlots::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  const int columns = width() >= 2 * loss_->minimumSizeHint().width() + kGap ? 2 : 1;
  if (columns != columns_) arrange(columns);
}

void LearningPlots::clear() {
  loss_->clear();
  hypergradient_->clear();
  inner_->clear();
  parameters_->clearMarkers();
  segments_ = 0;
  // The next run may have a θ of another length.
  parameters_->removeAllSeries();
  mode_ = ParameterMode::None;
  parameterCount_ = 0;
  count_ = 0;
}

void LearningPlots::setParameterNames(const QStringList& names) {
  parameterNames_ = names;
  nameParameterSeries();
}

QString LearningPlots::parameterName(int index) const {
  if (index < parameterNames_.size() && !parameterNames_[index].isEmpty()) {
    return parameterNames_[index];
  }
  if (parameterCount_ == 1) return QStringLiteral("λ");
  return QStringLiteral("θ[%1]").arg(index);
}

void LearningPlots::setUpParameterSeries(int parameterCount) {
  parameters_->removeAllSeries();
  parameterCount_ = parameterCount;
  if (parameterCount <= 0) {
    mode_ = ParameterMode::None;
    return;
  }
  if (parameterCount <= kMaxIndividualParameters) {
    mode_ = ParameterMode::Individual;
    for (int j = 0; j < parameterCount; ++j) {
      parameters_->addSeries(QString(), kParameterColours[j]);
    }
  } else {
    mode_ = ParameterMode::Summary;
    parameters_->addSeries(QString(), kEnvelopeColour, true);  // min
    parameters_->addSeries(QString(), kMedianColour);          // median
    parameters_->addSeries(QString(), kEnvelopeColour, true);  // max
    for (int j = 0; j < 3; ++j)
      parameters_->addSeries(QString(), kParameterColours[j]);
  }
  nameParameterSeries();
}

void LearningPlots::nameParameterSeries() {
  if (mode_ == ParameterMode::Individual) {
    for (int j = 0; j < parameterCount_; ++j)
      parameters_->setSeriesName(j, parameterName(j));
  } else if (mode_ == ParameterMode::Summary) {
    parameters_->setSeriesName(0, tr("min"));
    parameters_->setSeriesName(1, tr("median"));
    parameters_->setSeriesName(2, tr("max"));
    parameters_->setSeriesName(3, parameterName(0));
    parameters_->setSeriesName(4, parameterName(parameterCount_ / 2));
    parameters_->setSeriesName(5, parameterName(parameterCount_ - 1));
  }
}

std::vector<double> LearningPlots::parameterValues(const bilevel::Snapshot& snapshot) const {
  const Vector& theta = snapshot.parameters;
  if (mode_ == ParameterMode::None || theta.size() != parameterCount_) return {};
  if (mode_ == ParameterMode::Individual) return {theta.data(), theta.data() + theta.size()};

  const ParameterRange range = parameterRange(theta);
  const Eigen::Index last = theta.size() - 1;
  return {range.min, range.median, range.max, theta[0], theta[theta.size() / 2], theta[last]};
}

void LearningPlots::addSnapshot(const bilevel::Snapshot& snapshot) {
  const double x = snapshot.iteration;
  loss_->append(lossSeries_, x, snapshot.outerLoss);
  loss_->append(psnrSeries_, x, snapshot.psnr);
  hypergradient_->append(normSeries_, x, snapshot.hypergradientNorm);
  inner_->append(innerSeries_, x, snapshot.innerIterations);

  const auto size = static_cast<int>(snapshot.parameters.size());
  if (size > 0 && (mode_ == ParameterMode::None || size != parameterCount_)) {
    setUpParameterSeries(size);
  }
  const std::vector<double> values = parameterValues(snapshot);
  for (std::size_t k = 0; k < values.size(); ++k) {
    parameters_->append(static_cast<int>(k), x, values[k]);
  }
  ++count_;
}

void LearningPlots::markSegment(int iteration) {
  for (SeriesPlot* plot : {loss_, hypergradient_, parameters_, inner_})
    plot->addMarker(iteration);
  ++segments_;
}

void LearningPlots::setHistory(const std::vector<bilevel::Snapshot>& history,
                               const std::vector<int>& segmentStarts) {
  clear();
  for (int iteration : segmentStarts)
    markSegment(iteration);
  int size = 0;
  for (const Snapshot& s : history) {
    if (s.parameters.size() > 0) {
      size = static_cast<int>(s.parameters.size());
      break;
    }
  }
  setUpParameterSeries(size);

  // Whole series at once: one replace and one rescale per curve instead of one per point.
  std::vector<QPointF> loss, psnr, norm, inner;
  std::vector<std::vector<QPointF>> parameters(
      static_cast<std::size_t>(parameters_->seriesCount()));
  for (const Snapshot& s : history) {
    const double x = s.iteration;
    loss.emplace_back(x, s.outerLoss);
    psnr.emplace_back(x, s.psnr);
    norm.emplace_back(x, s.hypergradientNorm);
    inner.emplace_back(x, s.innerIterations);
    const std::vector<double> values = parameterValues(s);
    for (std::size_t k = 0; k < values.size(); ++k)
      parameters[k].emplace_back(x, values[k]);
  }
  loss_->setPoints(lossSeries_, loss);
  loss_->setPoints(psnrSeries_, psnr);
  hypergradient_->setPoints(normSeries_, norm);
  inner_->setPoints(innerSeries_, inner);
  for (std::size_t k = 0; k < parameters.size(); ++k) {
    parameters_->setPoints(static_cast<int>(k), parameters[k]);
  }
  count_ = static_cast<int>(history.size());
}

void LearningPlots::render(QPainter& painter, const QSize& size) const {
  painter.fillRect(QRect(QPoint(0, 0), size), kFigureBackground);
  painter.setRenderHint(QPainter::Antialiasing);
  painter.setRenderHint(QPainter::TextAntialiasing);
  const double cellWidth = (size.width() - kGap) / 2.0;
  const double cellHeight = (size.height() - kGap) / 2.0;
  const std::array<SeriesPlot*, 4> plots = {loss_, hypergradient_, parameters_, inner_};
  for (int k = 0; k < 4; ++k) {
    QChart* chart = plots[k]->chart();
    const QRectF target((k % 2) * (cellWidth + kGap), (k / 2) * (cellHeight + kGap), cellWidth,
                        cellHeight);
    // The chart is laid out again at the export size, so fonts keep their size instead of being
    // scaled with the on-screen picture; the on-screen geometry is restored before returning.
    const QRectF onScreen = chart->geometry();
    chart->setGeometry(QRectF(onScreen.topLeft(), target.size()));
    chart->scene()->render(&painter, target, chart->geometry());
    chart->setGeometry(onScreen);
  }
}

bool LearningPlots::exportPng(const QString& path, QString* error) const {
  if (exportSize_.isEmpty())
    return fail(error, tr("Invalid export size for \"%1\".").arg(displayPath(path)));
  QImage image(exportSize_, QImage::Format_ARGB32_Premultiplied);
  if (image.isNull()) {
    return fail(error, tr("Not enough memory to render \"%1\".").arg(displayPath(path)));
  }
  {
    QPainter painter(&image);
    render(painter, exportSize_);
  }
  QByteArray bytes;
  QBuffer buffer(&bytes);
  buffer.open(QIODevice::WriteOnly);
  if (!image.save(&buffer, "PNG")) {
    return fail(error, tr("Could not encode \"%1\" as PNG.").arg(displayPath(path)));
  }
  return writeAtomically(path, bytes, error);
}

bool LearningPlots::exportSvg(const QString& path, QString* error) const {
  if (exportSize_.isEmpty())
    return fail(error, tr("Invalid export size for \"%1\".").arg(displayPath(path)));
  QByteArray bytes;
  QBuffer buffer(&bytes);
  buffer.open(QIODevice::WriteOnly);
  QSvgGenerator generator;
  generator.setOutputDevice(&buffer);
  generator.setSize(exportSize_);
  generator.setViewBox(QRect(QPoint(0, 0), exportSize_));
  generator.setResolution(96);  // so the figure's physical size matches the PNG on screen
  generator.setTitle(tr("Learning plots"));
  generator.setDescription(
      tr("Outer loss, PSNR, hypergradient norm, parameters and lower-level "
         "iterations per outer step, exported by Bilevel Studio"));
  {
    QPainter painter;
    if (!painter.begin(&generator)) {
      return fail(error, tr("Could not render \"%1\" as SVG.").arg(displayPath(path)));
    }
    render(painter, exportSize_);
  }
  if (bytes.isEmpty()) {
    return fail(error, tr("Could not render \"%1\" as SVG.").arg(displayPath(path)));
  }
  return writeAtomically(path, bytes, error);
}

}  // namespace bilevel::widgets
