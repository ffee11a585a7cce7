#pragma once

#include <omp.h>

#include <vector>

#include "common/Vector.h"

namespace bilevel {

// Evaluates out = ∇ᵀp + (a per-pixel term) for a field p = (p_h, p_v) that is produced row by row,
// without ever storing p: row r of ∇ᵀp needs only p's rows r and r−1 (the adjoint of the forward
// differences of FiniteDifferenceGradient), so two rows of p live in per-thread buffers that stay
// in L1 cache. This turns the model's gradient and Hessian-vector product into a single pass over
// the image, which is what bounds their speed (they are memory-bound, not arithmetic-bound). Rows
// are split into one contiguous block per thread; a block recomputes the p row just above it.
class RowStreamedDivergence {
 public:
  RowStreamedDivergence(int rows, int cols)
      : rows_(rows), cols_(cols), buffers_(std::size_t(omp_get_max_threads()) * 5 * cols) {}

  // fluxRow(r, ph, pv, scratch) writes row r of p into ph[0..cols), pv[0..cols) and returns a
  // scalar to be summed over rows (e.g. the regulariser's energy); scratch is one row it may use.
  // outputRow(r, divergence) receives row r of ∇ᵀp in a buffer it may overwrite and writes the
  // output row. Returns the sum of fluxRow's values.
  template <class FluxRow, class OutputRow>
  double run(FluxRow&& fluxRow, OutputRow&& outputRow) const {
    const int rows = rows_, cols = cols_;
    double total = 0.0;
#pragma omp parallel reduction(+ : total) if (rows * cols >= kParallelPixels)
    {
      const int threads = omp_get_num_threads(), thread = omp_get_thread_num();
      const int begin = int(std::int64_t(rows) * thread / threads);
      const int end = int(std::int64_t(rows) * (thread + 1) / threads);
      double* base = buffers_.data() + std::size_t(thread) * 5 * cols;
      double* scratch = base + 4 * cols;
      double *phPrevious = base, *pvPrevious = base + cols;
      double *ph = base + 2 * cols, *pv = base + 3 * cols;
      if (begin > 0 && begin < end) fluxRow(begin - 1, phPrevious, pvPrevious, scratch);
      for (int r = begin; r < end; ++r) {
        total += fluxRow(r, ph, pv, scratch);
        // ph[cols−1] and pv of the last row are outside the range of ∇ and must not contribute.
        const double vScale = r + 1 < rows ? 1.0 : 0.0;
        const double aboveScale = r > 0 ? 1.0 : 0.0;
        double* divergence = phPrevious;  // p_h of row r−1 is no longer needed
        // Edge columns peeled off so the loop has no conditional loads and vectorises.
        divergence[0] = -ph[0] + aboveScale * pvPrevious[0] - vScale * pv[0];
#pragma omp simd
        for (int c = 1; c < cols - 1; ++c) {
          divergence[c] = ph[c - 1] - ph[c] + aboveScale * pvPrevious[c] - vScale * pv[c];
        }
        // One column: p_h is wholly outside the range of ∇ (and ph[cols − 2] would be ph[−1]).
        if (cols == 1) {
          divergence[0] = aboveScale * pvPrevious[0] - vScale * pv[0];
        } else {
          divergence[cols - 1] =
              ph[cols - 2] + aboveScale * pvPrevious[cols - 1] - vScale * pv[cols - 1];
        }
        outputRow(r, divergence);
        std::swap(phPrevious, ph);
        std::swap(pvPrevious, pv);
      }
    }
    return total;
  }

  // Below this many pixels a parallel region costs more than it saves.
  static constexpr int kParallelPixels = 128 * 128;

 private:
  int rows_, cols_;
  mutable std::vector<double> buffers_;
};

}  // namespace bilevel
