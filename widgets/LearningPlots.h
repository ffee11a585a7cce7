#pragma once

#include <QSize>
#include <QStringList>
#include <QWidget>
#include <vector>

#include "learning/LearningSession.h"

QT_BEGIN_NAMESPACE
class QGridLayout;
class QPainter;
QT_END_NAMESPACE

namespace bilevel::widgets {

class SeriesPlot;

// The live plots of a learning run, one point per outer step, in a 2×2 grid: outer loss with PSNR,
// hypergradient norm, parameter trajectories and lower-level iterations. Narrower than two charts
// side by side, the grid wraps to one column (and its minimum height grows, for a scroll area).
class LearningPlots : public QWidget {
  Q_OBJECT

 public:
  // At most this many parameters get one curve each; longer θ (filter banks, parameter maps) are
  // summarised by min / median / max and three sample entries.
  static constexpr int kMaxIndividualParameters = 4;

  explicit LearningPlots(QWidget* parent = nullptr);
  ~LearningPlots() override;

  void clear();
  // Optional names of θ's entries; without them entries are "θ[j]", or "λ" for a single one.
  void setParameterNames(const QStringList& names);
  void addSnapshot(const bilevel::Snapshot& snapshot);
  // Replaces everything shown, e.g. with the history of a reopened session; segmentStarts are
  // the iterations where an edit between runs began a new segment, marked on every chart.
  void setHistory(const std::vector<bilevel::Snapshot>& history,
                  const std::vector<int>& segmentStarts = {});
  // Marks a new segment of the history at `iteration` (a vertical line on every chart).
  void markSegment(int iteration);
  int segmentCount() const { return segments_; }
  // Snapshots shown.
  int pointCount() const { return count_; }

  // The four charts as one figure of exportSize() pixels (PNG) or units (SVG), laid out like the
  // widget. Written atomically; on failure returns false and a message naming the file.
  bool exportPng(const QString& path, QString* error) const;
  bool exportSvg(const QString& path, QString* error) const;
  void setExportSize(const QSize& size) { exportSize_ = size; }
  QSize exportSize() const { return exportSize_; }

  SeriesPlot* lossPlot() const { return loss_; }
  SeriesPlot* hypergradientPlot() const { return hypergradient_; }
  SeriesPlot* parameterPlot() const { return parameters_; }
  SeriesPlot* innerIterationPlot() const { return inner_; }
  // 2, or 1 when the widget is narrower than two charts.
  int columnCount() const { return columns_; }

  QSize minimumSizeHint() const override;

 protected:
  void resizeEvent(QResizeEvent* event) override;

 private:
  // What the parameter chart shows, fixed by the length of θ in the first snapshot.
  enum class ParameterMode { None, Individual, Summary };

  void setUpParameterSeries(int parameterCount);
  void nameParameterSeries();
  QString parameterName(int index) const;
  // One value per parameter series, in series order; empty when θ does not match the mode.
  std::vector<double> parameterValues(const bilevel::Snapshot& snapshot) const;
  void render(QPainter& painter, const QSize& size) const;
  void arrange(int columns);

  SeriesPlot* loss_ = nullptr;
  SeriesPlot* hypergradient_ = nullptr;
  SeriesPlot* parameters_ = nullptr;
  SeriesPlot* inner_ = nullptr;
  QGridLayout* grid_ = nullptr;
  int columns_ = 2;
  int lossSeries_ = -1, psnrSeries_ = -1, normSeries_ = -1, innerSeries_ = -1;
  QStringList parameterNames_;
  ParameterMode mode_ = ParameterMode::None;
  int parameterCount_ = 0;
  int count_ = 0;
  int segments_ = 0;
  QSize exportSize_{1600, 1000};
};

}  // namespace bilevel::widgets
