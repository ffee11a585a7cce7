#pragma once

#include <QString>
#include <QTableWidget>
#include <vector>

#include "image/Image.h"

namespace bilevel::widgets {

// One row of a dataset's image list: the picture's name, its size, a thumbnail (working
// intensities, 0 and 1 at the ends of its data range) and which split it belongs to.
struct DatasetImageRow {
  QString name;
  int rows = 0, cols = 0;
  Image thumbnail;
  bool validation = false;
};

// The images of a dataset (issue 11 §3) as a table: thumbnail and name, size, and the split
// (training or validation, the validation rows tinted), sorted as the dataset sorts them. Read
// only; a tooltip on the split column says how the split was chosen.
class DatasetImageList : public QTableWidget {
  Q_OBJECT

 public:
  static constexpr int kThumbnailSide = 40;

  explicit DatasetImageList(QWidget* parent = nullptr);

  void setImages(const std::vector<DatasetImageRow>& images);
  int imageCount() const { return rowCount(); }
  int validationCount() const { return validation_; }

 private:
  int validation_ = 0;
};

}  // namespace bilevel::widgets
