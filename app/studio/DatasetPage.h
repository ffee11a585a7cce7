#pragma once

#include <QList>
#include <QWidget>

class QAction;
class QGroupBox;
class QLabel;
class QSplitter;

namespace bilevel::widgets {
class DatasetImageList;
class DatasetSettingsForm;
class LearnedFiltersPanel;
class PerImageTable;
class SeriesPlot;
}  // namespace bilevel::widgets

namespace bilevel::studio {

// The dataset mode's page, in the window's central area in place of the images (issue 11 §3). It
// only lays out: the commands as buttons, the dataset's summary line; on the left its settings and
// its images; in the middle the training and validation PSNR curves over the per-image table; on
// the right the learned filters and the penalty (shown for a model with filters). Narrower than
// kThreeColumnsWidth the filters go below the table; narrower than kTwoColumnsWidth everything is
// one column (the page scrolls) and the commands take two rows, so that nothing is cut.
class DatasetPage : public QWidget {
  Q_OBJECT

 public:
  static constexpr int kThreeColumnsWidth = 1000;
  static constexpr int kTwoColumnsWidth = 760;

  explicit DatasetPage(QWidget* parent = nullptr);

  // The commands as buttons in this order: the run's, then (on a second row when narrow) those
  // of the learned model.
  void setActions(const QList<QAction*>& run, const QList<QAction*>& model);
  void setSummary(const QString& text);
  QString summary() const;
  void setFiltersVisible(bool visible);
  bool filtersVisible() const;

  widgets::DatasetSettingsForm* settings() const { return settings_; }
  widgets::DatasetImageList* images() const { return images_; }
  widgets::SeriesPlot* curves() const { return curves_; }
  int trainingSeries() const { return trainingSeries_; }
  int validationSeries() const { return validationSeries_; }
  widgets::PerImageTable* table() const { return table_; }
  widgets::LearnedFiltersPanel* filters() const { return filters_; }

 protected:
  void resizeEvent(QResizeEvent* event) override;

 private:
  void arrange();

  QLabel* summary_ = nullptr;
  QWidget* buttons_ = nullptr;
  QWidget* runButtons_ = nullptr;
  QWidget* modelButtons_ = nullptr;
  QSplitter* columns_ = nullptr;
  QSplitter* middle_ = nullptr;
  widgets::DatasetSettingsForm* settings_ = nullptr;
  widgets::DatasetImageList* images_ = nullptr;
  widgets::SeriesPlot* curves_ = nullptr;
  int trainingSeries_ = -1, validationSeries_ = -1;
  widgets::PerImageTable* table_ = nullptr;
  QLabel* tableCaption_ = nullptr;
  QGroupBox* filterBox_ = nullptr;
  widgets::LearnedFiltersPanel* filters_ = nullptr;
  bool filtersWanted_ = false;
  int columnCount_ = 3;
};

}  // namespace bilevel::studio
