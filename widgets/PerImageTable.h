#pragma once

#include <QString>
#include <QTableWidget>
#include <vector>

namespace bilevel::widgets {

// The PSNR of one validation image: noisy against clean and reconstructed against clean, in dB,
// each the mean over the image's samples (its patches, or the whole image).
struct ImagePsnrRow {
  QString name;
  int samples = 0;
  double noisy = 0.0;
  double reconstructed = 0.0;
};

// A per-image PSNR table (issue 11 §3): one row per validation image (name, noisy, reconstructed,
// gain = reconstructed − noisy), a last row with the means, and which step it belongs to in the
// header's tooltip and step(). The gain is coloured by its sign.
class PerImageTable : public QTableWidget {
  Q_OBJECT

 public:
  explicit PerImageTable(QWidget* parent = nullptr);

  // Replaces the rows; `step` is the learning step (or -1 for a loaded model) they were measured
  // at.
  void setResults(const std::vector<ImagePsnrRow>& rows, int step);
  void clearResults();
  // Validation images shown (without the mean row).
  int imageCount() const { return int(rows_.size()); }
  const std::vector<ImagePsnrRow>& results() const { return rows_; }
  int step() const { return step_; }
  // The caption above the table: which step the figures are of.
  QString caption() const;

 signals:
  void captionChanged(const QString& caption);

 private:
  std::vector<ImagePsnrRow> rows_;
  int step_ = -1;
};

}  // namespace bilevel::widgets
