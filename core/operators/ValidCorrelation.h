#pragma once

namespace bilevel {

// Two-dimensional correlation of a rows×cols image with an s×s filter, kept only where the filter
// fits inside the image ("valid", no padding: PyTorch's conv2d without padding):
//   (k ⋆ x)[i, j] = Σ_{a,b} k[a, b] x[i + a, j + b],   0 ≤ i ≤ rows − s, 0 ≤ j ≤ cols − s,
// and its exact adjoint (PyTorch's conv_transpose2d), which scatters every response back over the
// pixels the filter saw. No boundary rule is needed, so adjointness is exact with no special
// cases. All arrays are row-major; nothing allocates, so the products can run inside solver
// loops. The loops run over rows of the output with the filter's taps outside, so each inner loop
// is a contiguous axpy or dot product that vectorises.
class ValidCorrelation {
 public:
  // rows, cols ≥ size ≥ 1 (the caller checks and names its setting).
  ValidCorrelation(int rows, int cols, int size);

  int rows() const { return rows_; }
  int cols() const { return cols_; }
  int size() const { return size_; }
  int outputRows() const { return rows_ - size_ + 1; }
  int outputCols() const { return cols_ - size_ + 1; }
  long outputCount() const { return long(outputRows()) * outputCols(); }

  // out = k ⋆ x (outputRows × outputCols).
  void apply(const double* filter, const double* image, double* out) const;
  // out += (k ⋆ ·)ᵀ r: out[i + a, j + b] += k[a, b] r[i, j] (rows × cols).
  void addAdjoint(const double* filter, const double* responses, double* out) const;
  // g += ∂_k ⟨w, k ⋆ x⟩: g[a, b] += Σ_{i,j} w[i, j] x[i + a, j + b] (s × s).
  void addFilterGradient(const double* image, const double* weights, double* gradient) const;

 private:
  int rows_, cols_, size_;
};

}  // namespace bilevel
