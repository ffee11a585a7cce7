#include "widgets/LearnedFiltersPanel.h"

#include <QLabel>
#include <QScrollArea>
#include <QVBoxLayout>

#include "widgets/FilterBankView.h"
#include "widgets/SeriesPlot.h"

namespace bilevel::widgets {

LearnedFiltersPanel::LearnedFiltersPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  caption_ = new QLabel(this);
  caption_->setWordWrap(true);
  layout->addWidget(caption_);

  bank_ = new FilterBankView;
  scroll_ = new QScrollArea(this);
  scroll_->setWidget(bank_);
  scroll_->setWidgetResizable(true);
  scroll_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  layout->addWidget(scroll_, 3);

  penaltyPlot_ = new SeriesPlot(tr("Penalty ρ and influence ρ′"), tr("filter response z"),
                                tr("ρ(z), ρ′(z)"), this);
  penaltyPlot_->setMinimumHeight(160);
  layout->addWidget(penaltyPlot_, 2);
  setFilters({}, std::nullopt);
}

void LearnedFiltersPanel::setFilters(const std::vector<LearnedFilter>& filters,
                                     std::optional<PenaltyKind> penalty) {
  std::vector<FilterTile> tiles;
  tiles.reserve(filters.size());
  for (const LearnedFilter& filter : filters) {
    FilterTile tile;
    tile.kernel = Image(filter.rows, filter.cols);
    tile.kernel.pixels = filter.kernel;
    tile.weight = filter.weight;
    tiles.push_back(std::move(tile));
  }
  bank_->setFilters(std::move(tiles));
  if (filters.empty()) {
    caption_->setText(
        tr("This model has no learned filters. Fields of Experts (foe) learns a "
           "bank of filters; pick it as the model to see them here."));
  } else {
    caption_->setText(tr("%n filter(s) of %1×%2 with their weight ν, strongest first; blue "
                         "negative, red positive, each on its own range.",
                         nullptr, int(filters.size()))
                          .arg(filters.front().rows)
                          .arg(filters.front().cols));
  }
  penaltyPlot_->setVisible(penalty.has_value());
  if (penalty == penalty_) return;
  penalty_ = penalty;
  penaltyPlot_->removeAllSeries();
  if (!penalty) return;
  const QString name = QString::fromStdString(toString(*penalty));
  const int value = penaltyPlot_->addSeries(tr("ρ (%1)").arg(name));
  const int derivative = penaltyPlot_->addSeries(tr("ρ′"), {}, true);
  std::vector<QPointF> rho, influence;
  rho.reserve(kCurvePoints);
  influence.reserve(kCurvePoints);
  for (int i = 0; i < kCurvePoints; ++i) {
    const double z = -kResponseRange + 2.0 * kResponseRange * i / (kCurvePoints - 1);
    rho.emplace_back(z, penaltyValue(*penalty, z));
    influence.emplace_back(z, penaltyDerivative(*penalty, z));
  }
  penaltyPlot_->setPoints(value, rho);
  penaltyPlot_->setPoints(derivative, influence);
}

}  // namespace bilevel::widgets
