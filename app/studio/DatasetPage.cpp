#include "DatasetPage.h"

#include <QAction>
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
  auto* row = new QHBoxLayout(buttons_);
  row->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(buttons_);
  summary_ =
      new QLabel(tr("No dataset open: File › Open Dataset… picks a folder of clean images."));
  summary_->setObjectName(QStringLiteral("datasetSummary"));
  summary_->setWordWrap(true);
  summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(summary_);

  settings_ = new widgets::DatasetSettingsForm;
  images_ = new widgets::DatasetImageList;
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
  tableCaption_ = new QLabel(table_->caption());
  tableCaption_->setWordWrap(true);
  connect(table_, &widgets::PerImageTable::captionChanged, tableCaption_, &QLabel::setText);
  middle_ = new QSplitter(Qt::Vertical);
  middle_->addWidget(curves_);
  middle_->addWidget(boxed(tr("Validation images"), table_, tableCaption_));
  middle_->setChildrenCollapsible(false);

  filters_ = new widgets::LearnedFiltersPanel;
  filterBox_ = boxed(tr("Learned filters"), filters_);
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

void DatasetPage::setActions(const QList<QAction*>& actions) {
  auto* row = static_cast<QHBoxLayout*>(buttons_->layout());
  for (QAction* action : actions) {
    if (!action) {
      row->addSpacing(12);
      continue;
    }
    auto* button = new QToolButton;
    button->setDefaultAction(action);
    button->setToolButtonStyle(Qt::ToolButtonTextOnly);
    row->addWidget(button);
  }
  row->addStretch(1);
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
  // The filter tiles need a column of their own only when there is room for three.
  const bool narrow = width() < kThreeColumnsWidth;
  if (narrow == narrow_) return;
  narrow_ = narrow;
  if (narrow) {
    middle_->addWidget(filterBox_);
  } else {
    columns_->addWidget(filterBox_);
  }
  filterBox_->setVisible(filtersWanted_);
}

}  // namespace bilevel::studio
