#pragma once

namespace bilevel {

// The valid correlations of one rows×cols image with a bank of K filters of s×s at once, their
// adjoint summed over the bank and the filters' gradients (PyTorch's conv2d without padding,
// conv_transpose2d and the weight gradient, one input channel and K output channels):
//   z_k[i, j] = Σ_{a,b} k_k[a, b] x[i + a, j + b],   0 ≤ i ≤ rows − s, 0 ≤ j ≤ cols − s,
//   out[i + a, j + b] += Σ_k k_k[a, b] w_k[i, j],
//   g_k[a, b] += Σ_{i,j} w_k[i, j] x[i + a, j + b].
// As matrices (im2col): Z = P B, out += col2im(W Bᵀ) and G += Pᵀ W, with P the patch matrix of x
// (one row per output, one column per tap), B the s² × K bank and W the outputs × K weights:
// products of a tall matrix with s² or K columns by a small one, which run at the multiply-add
// rate of the CPU when a block of outputs and a block of filters (or taps) stay in registers while
// the taps (or filters) stream past. P is never formed: the layout below makes the im2col
// implicit, so only the bank is repacked.
//
// Response layout. Output (i, j) sits at position p = i·cols + j, the image's own row stride, so
// tap (a, b) reads pixel p + a·cols + b for every output: a block of consecutive positions reads
// consecutive pixels, whatever rows it spans. Positions whose column is past cols − s, and those
// from outputRows·cols to responseLength(), are not outputs: apply() writes 0 there, and the
// weights given to addAdjoint() and addFilterGradient() must be 0 there (a pointwise map with
// f(0) = 0 of apply()'s result keeps them so).
//
// Bands. Every product works on a band [begin, end) of positions, both multiples of
// blockLength() with end ≤ responseLength(), so a large image is processed band by band (the
// responses of a band are K·(end − begin) doubles) and bands can go to different threads. Filter
// k's responses of the band are at responses + k·stride + (p − begin).
//
// Padding. Blocks of blockLength() positions read and write a little past the last pixel: images
// given to apply() and addFilterGradient() are paddedLength() doubles, the pixels followed by
// zeros (padImage), and addAdjoint() adds into paddedLength() doubles whose first rows·cols are
// the image. Nothing allocates; a product that needs scratch takes it from the caller, so one
// instance serves any number of threads.
class FilterBankCorrelation {
 public:
  // rows, cols ≥ size ≥ 1 and filters ≥ 1 (the caller checks and names its setting).
  FilterBankCorrelation(int rows, int cols, int size, int filters);

  int rows() const { return rows_; }
  int cols() const { return cols_; }
  int size() const { return size_; }
  int filters() const { return filters_; }
  int outputRows() const { return rows_ - size_ + 1; }
  int outputCols() const { return cols_ - size_ + 1; }
  // Positions of the response layout: outputRows·cols rounded up to a block.
  long responseLength() const { return responseLength_; }
  // The granularity of bands (a build constant: the outputs one block of registers holds).
  static int blockLength();
  long paddedLength() const { return paddedLength_; }
  // Doubles of a bank packed by pack().
  long packedLength() const { return packedLength_; }
  // Doubles of scratch that addAdjoint() needs (per concurrent call).
  long adjointScratchLength() const { return adjointScratchLength_; }

  // Copies the image (rows·cols) into padded (paddedLength()), zeros after it.
  void padImage(const double* image, double* padded) const;
  // Lays the bank (K × s², filter k row-major at filters + k·s²) out for the products below.
  void pack(const double* filters, double* packed) const;

  // responses of filter k = k_k ⋆ x over [begin, end), 0 at the positions that are not outputs.
  void apply(const double* packed, const double* paddedImage, long begin, long end,
             double* responses, long stride) const;
  // paddedOut[p + a·cols + b] += Σ_k k_k[a, b] w_k[p] over p in [begin, end).
  void addAdjoint(const double* packed, const double* weights, long stride, long begin, long end,
                  double* paddedOut, double* scratch) const;
  // gradient[k·s² + a·s + b] += Σ_p w_k[p] x[p + a·cols + b] over p in [begin, end).
  void addFilterGradient(const double* paddedImage, const double* weights, long stride, long begin,
                         long end, double* gradient) const;

 private:
  int rows_, cols_, size_, filters_;
  int tapBlock_;  // taps per register block of the adjoint and the filter gradient
  long responseLength_, paddedLength_, packedLength_, forwardPackedLength_;
  long adjointScratchLength_;
};

}  // namespace bilevel
