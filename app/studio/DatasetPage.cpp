#include "DatasetPage.h"

#include <QAction>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QResizeEvent>
#include <QSplitter>
#include <QToolButton>
#include <QVBoxLayout>

#include "widgets/DatasetImageList.h"
#include "widgets/DatasetSettingsForm.h"
#include "widgets/LearnedFiltersPanel.h"
#include "widgets/PerImageTable.h"
#include "widgets/SeriesPlot.h"

namespace bilevel::studio {

namespace {

const QColor kTrainingColour(0x4d, 0xc3, 0xff);
const QColor kValidationColour(0xff, 0xa9, 0x4d);

QGroupBox* boxed(const QString& title, QWidget* content, QLabel* caption = nullptr) {
  auto* box = new QGroupBox(title);
  auto* layout = new QVBoxLayout(box);
  layout->setContentsMargins(6, 6, 6, 6);
  if (caption) layout->addWidget(caption);
  layout->addWidget(content);
  return box;
}

}  // namespace

DatasetPage::DatasetPage(QWidget* parent) : QWidget(parent) {
  setObjectName(QStringLiteral("datasetPage"));
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(6, 6, 6, 6);
  buttons_ = new QWidget;
  auto* grid = new QGridLayout(buttons_);
  grid->setContentsMargins(0, 0, 0, 0);
  runButtons_ = new QWidget;
  modelButtons_ = new QWidget;
  for (QWidget* group : {runButtons_, modelButtons_})
    new QHBoxLayout(group);
  grid->addWidget(runButtons_, 0, 0);
  grid->addWidget(modelButtons_, 0, 1);
  grid->setColumnStretch(2, 1);
  layout->addWidget(buttons_);
  summary_ =
      new QLabel(tr("No dataset open: File › Open Dataset… picks a folder of clean images."));
  summary_->setObjectName(QStringLiteral("datasetSummary"));
  summary_->setWordWrap(true);
  summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(summary_);

  settings_ = new widgets::DatasetSettingsForm;
  images_ = new widgets::DatasetImageList;
  images_->setMinimumHeight(160);  // a few rows, also when the page is one column
  auto* left = new QWidget;
  auto* leftLayout = new QVBoxLayout(left);
  leftLayout->setContentsMargins(0, 0, 0, 0);
  leftLayout->addWidget(boxed(tr("Dataset settings"), settings_));
  leftLayout->addWidget(boxed(tr("Images"), images_), 1);

  curves_ = new widgets::SeriesPlot(tr("PSNR during training"), tr("step"), tr("PSNR (dB)"));
  curves_->setObjectName(QStringLiteral("datasetCurves"));
  curves_->setIntegerX(true);
  trainingSeries_ = curves_->addSeries(tr("training batch"), kTrainingColour);
  validationSeries_ = curves_->addSeries(tr("validation"), kValidationColour);
  curves_->setPointsVisible(validationSeries_, true);
  curves_->setMinimumHeight(220);
  table_ = new widgets::PerImageTable;
  table_->setMinimumHeight(120);
  tableCaption_ = new QLabel(table_->caption());
  tableCaption_->setWordWrap(true);
  connect(table_, &widgets::PerImageTable::captionChanged, tableCaption_, &QLabel::setText);
  middle_ = new QSplitter(Qt::Vertical);
  middle_->addWidget(curves_);
  middle_->addWidget(boxed(tr("Validation images"), table_, tableCaption_));
  middle_->setChildrenCollapsible(false);

  filters_ = new widgets::LearnedFiltersPanel;
  filterBox_ = boxed(tr("Learned filters"), filters_);
  filterBox_->setMinimumHeight(360);
  filterBox_->setVisible(false);

  columns_ = new QSplitter(Qt::Horizontal);
  columns_->addWidget(left);
  columns_->addWidget(middle_);
  columns_->addWidget(filterBox_);
  columns_->setChildrenCollapsible(false);
  columns_->setStretchFactor(0, 2);
  columns_->setStretchFactor(1, 3);
  columns_->setStretchFactor(2, 3);
  left->setMinimumWidth(260);
  layout->addWidget(columns_, 1);
}

void DatasetPage::setActions(const QList<QAction*>& run, const QList<QAction*>& model) {
  for (const auto& [group, actions] :
       {std::pair{runButtons_, run}, std::pair{modelButtons_, model}}) {
    auto* row = static_cast<QHBoxLayout*>(group->layout());
    row->setContentsMargins(0, 0, 12, 0);
    for (QAction* action : actions) {
      auto* button = new QToolButton;
      button->setDefaultAction(action);
      button->setToolButtonStyle(Qt::ToolButtonTextOnly);
      row->addWidget(button);
    }
  }
}

void DatasetPage::setSummary(const QString& text) {
  summary_->setText(text);
}

QString DatasetPage::summary() const {
  return summary_->text();
}

void DatasetPage::setFiltersVisible(bool visible) {
  filtersWanted_ = visible;
  filterBox_->setVisible(visible);
}

bool DatasetPage::filtersVisible() const {
  return filtersWanted_;
}

void DatasetPage::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  arrange();
}

void DatasetPage::arrange() {
  // The filter tiles need a column of their own only when there is room for three; below two
  // columns' width one column reads better than squeezed (or cut) ones.
  const int count = width() >= kThreeColumnsWidth ? 3 : width() >= kTwoColumnsWidth ? 2 : 1;
  if (count == columnCount_) return;
  columnCount_ = count;
  columns_->setOrientation(count == 1 ? Qt::Vertical : Qt::Horizontal);
  if (count == 2) {
    middle_->addWidget(filterBox_);
  } else {
    columns_->addWidget(filterBox_);
  }
  filterBox_->setVisible(filtersWanted_);
  // Re-adding a widget resets its share: settings and images a quarter (two fifths of two
  // columns), the curves and the filters the rest.
  const int w = width();
  if (count == 3) columns_->setSizes({w / 4, w * 3 / 8, w * 3 / 8});
  if (count == 2) columns_->setSizes({w * 2 / 5, w * 3 / 5});
  auto* grid = static_cast<QGridLayout*>(buttons_->layout());
  grid->removeWidget(modelButtons_);
  if (count == 1) {
    grid->addWidget(modelButtons_, 1, 0);
  } else {
    grid->addWidget(modelButtons_, 0, 1);
  }
}

}  // namespace bilevel::studio
