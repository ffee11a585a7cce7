#include "widgets/PerImageTable.h"

#include <QHeaderView>

namespace bilevel::widgets {

namespace {

enum Column { kName, kNoisy, kReconstructed, kGain, kColumns };

QTableWidgetItem* number(double value, int decimals = 2) {
  auto* item = new QTableWidgetItem(QString::number(value, 'f', decimals));
  item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  return item;
}

}  // namespace

PerImageTable::PerImageTable(QWidget* parent) : QTableWidget(0, kColumns, parent) {
  setObjectName(QStringLiteral("perImageTable"));
  setHorizontalHeaderLabels({tr("Validation image"), tr("Noisy dB"), tr("Learned dB"), tr("Gain")});
  horizontalHeaderItem(kNoisy)->setToolTip(tr("PSNR of the noisy image against the clean one"));
  horizontalHeaderItem(kReconstructed)
      ->setToolTip(tr("PSNR of the reconstruction x*(θ) against the clean image"));
  horizontalHeaderItem(kGain)->setToolTip(tr("Learned − noisy, dB"));
  setEditTriggers(QAbstractItemView::NoEditTriggers);
  setSelectionBehavior(QAbstractItemView::SelectRows);
  verticalHeader()->setVisible(false);
  horizontalHeader()->setSectionResizeMode(kName, QHeaderView::Stretch);
  for (int c = kNoisy; c < kColumns; ++c)
    horizontalHeader()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
}

QString PerImageTable::caption() const {
  if (rows_.empty()) return tr("Per-image PSNR: filled at validation steps and at the end");
  if (step_ < 0) return tr("Per-image PSNR of the loaded model");
  return tr("Per-image PSNR at step %1").arg(step_);
}

void PerImageTable::clearResults() {
  rows_.clear();
  step_ = -1;
  setRowCount(0);
  emit captionChanged(caption());
}

void PerImageTable::setResults(const std::vector<ImagePsnrRow>& rows, int step) {
  rows_ = rows;
  step_ = step;
  setRowCount(0);
  if (rows.empty()) {
    emit captionChanged(caption());
    return;
  }
  setRowCount(int(rows.size()) + 1);
  double noisy = 0.0, reconstructed = 0.0;
  const QColor better(QStringLiteral("#2e9e44")), worse(QStringLiteral("#d0463c"));
  const auto fill = [&](int r, const QString& name, double n, double x) {
    auto* label = new QTableWidgetItem(name);
    setItem(r, kName, label);
    setItem(r, kNoisy, number(n));
    setItem(r, kReconstructed, number(x));
    QTableWidgetItem* gain = number(x - n);
    gain->setText((x >= n ? QStringLiteral("+") : QString()) + gain->text());
    gain->setForeground(x >= n ? better : worse);
    setItem(r, kGain, gain);
    return label;
  };
  for (int r = 0; r < int(rows.size()); ++r) {
    const ImagePsnrRow& row = rows[std::size_t(r)];
    QTableWidgetItem* label = fill(r, row.name, row.noisy, row.reconstructed);
    if (row.samples > 1) label->setToolTip(tr("mean over %1 patches").arg(row.samples));
    noisy += row.noisy;
    reconstructed += row.reconstructed;
  }
  const double count = double(rows.size());
  QTableWidgetItem* mean = fill(int(rows.size()), tr("Mean"), noisy / count, reconstructed / count);
  QFont bold = mean->font();
  bold.setBold(true);
  for (int c = 0; c < kColumns; ++c)
    item(int(rows.size()), c)->setFont(bold);
  emit captionChanged(caption());
}

}  // namespace bilevel::widgets
