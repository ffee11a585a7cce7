#include "widgets/DatasetImageList.h"

#include <QHeaderView>
#include <QPixmap>

#include "widgets/Colormap.h"

namespace bilevel::widgets {

namespace {
enum Column { kName, kSize, kSplit, kColumns };
}  // namespace

DatasetImageList::DatasetImageList(QWidget* parent) : QTableWidget(0, kColumns, parent) {
  setObjectName(QStringLiteral("datasetImageList"));
  setHorizontalHeaderLabels({tr("Image"), tr("Size"), tr("Split")});
  setEditTriggers(QAbstractItemView::NoEditTriggers);
  setSelectionBehavior(QAbstractItemView::SelectRows);
  setIconSize(QSize(kThumbnailSide, kThumbnailSide));
  verticalHeader()->setVisible(false);
  verticalHeader()->setDefaultSectionSize(kThumbnailSide + 6);
  horizontalHeader()->setSectionResizeMode(kName, QHeaderView::Stretch);
  horizontalHeader()->setSectionResizeMode(kSize, QHeaderView::ResizeToContents);
  horizontalHeader()->setSectionResizeMode(kSplit, QHeaderView::ResizeToContents);
}

void DatasetImageList::setImages(const std::vector<DatasetImageRow>& images) {
  setRowCount(0);
  validation_ = 0;
  setRowCount(int(images.size()));
  for (int i = 0; i < int(images.size()); ++i) {
    const DatasetImageRow& image = images[std::size_t(i)];
    auto* name = new QTableWidgetItem(image.name);
    if (image.thumbnail.size() > 0) {
      const QImage picture = renderImage(image.thumbnail, 0.0, 1.0, Colormap::Grey);
      name->setIcon(QPixmap::fromImage(picture.scaled(
          kThumbnailSide, kThumbnailSide, Qt::KeepAspectRatio, Qt::SmoothTransformation)));
    }
    setItem(i, kName, name);
    auto* size = new QTableWidgetItem(QStringLiteral("%1×%2").arg(image.cols).arg(image.rows));
    size->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    setItem(i, kSize, size);
    auto* split = new QTableWidgetItem(image.validation ? tr("validation") : tr("training"));
    split->setToolTip(
        tr("Held out by the seeded split (dataset.validation, dataset.seed): validation images "
           "are never trained on; their PSNR is the validation curve and the per-image table"));
    if (image.validation) {
      const QColor tint = palette().color(QPalette::Highlight);
      split->setForeground(tint);
      name->setForeground(tint);
      ++validation_;
    }
    setItem(i, kSplit, split);
  }
}

}  // namespace bilevel::widgets
