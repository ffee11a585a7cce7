#include "operators/FilterBankCorrelation.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

namespace bilevel {

namespace {

// Register blocks per vector ISA. A block keeps kVectors vectors of kLanes outputs for each of
// kFilterBlock filters (apply) or of T taps (addAdjoint) in registers, below the 32 (AVX-512) or
// 16 (AVX, SSE) vector registers with the loaded operands; addFilterGradient keeps T taps ×
// kGradientFilters filters of one vector each. T is chosen per filter size among kTapBlocks so
// that the s² taps split into the fewest padded taps (49 = 7 × 7).
#if defined(__AVX512F__)
constexpr int kLanes = 8, kVectors = 3, kFilterBlock = 8, kGradientFilters = 3;
constexpr int kTapBlocks[] = {6, 7, 8};
#elif defined(__AVX__)
constexpr int kLanes = 4, kVectors = 2, kFilterBlock = 6, kGradientFilters = 2;
constexpr int kTapBlocks[] = {4, 5, 6};
#else
constexpr int kLanes = 2, kVectors = 2, kFilterBlock = 6, kGradientFilters = 2;
constexpr int kTapBlocks[] = {4, 5, 6};
#endif
constexpr int kBlock = kLanes * kVectors;

// GCC/Clang vector extension: one register of kLanes doubles; a scalar operand is broadcast.
using Lane = double __attribute__((vector_size(kLanes * sizeof(double))));

inline Lane load(const double* p) {
  Lane v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline void store(double* p, Lane v) {
  std::memcpy(p, &v, sizeof v);
}

inline double sum(Lane v) {
  double total = 0.0;
  for (int l = 0; l < kLanes; ++l)
    total += v[l];
  return total;
}

long roundUp(long value, long multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

// Calls f(std::integral_constant<int, T>) for the tap block T chosen at construction.
template <class F>
void withTapBlock(int tapBlock, F&& f) {
  if (tapBlock == kTapBlocks[0]) return f(std::integral_constant<int, kTapBlocks[0]>{});
  if (tapBlock == kTapBlocks[1]) return f(std::integral_constant<int, kTapBlocks[1]>{});
  return f(std::integral_constant<int, kTapBlocks[2]>{});
}

// Scratch of the adjoint: one row per tap holding a block's products (W Bᵀ) between zeros, so
// that each output row of the block sums its s shifted taps with whole-vector loads.
struct AdjointRows {
  long before, vectors, length;
  AdjointRows(int size)
      : before(roundUp(size - 1, kLanes)),
        vectors((kBlock + size - 1 + kLanes - 1) / kLanes),
        length(before + vectors * kLanes) {}
};

}  // namespace

int FilterBankCorrelation::blockLength() {
  return kBlock;
}

FilterBankCorrelation::FilterBankCorrelation(int rows, int cols, int size, int filters)
    : rows_(rows), cols_(cols), size_(size), filters_(filters) {
  const int taps = size * size;
  tapBlock_ = kTapBlocks[0];
  for (const int t : kTapBlocks) {
    if (roundUp(taps, t) <= roundUp(taps, tapBlock_)) tapBlock_ = t;
  }
  responseLength_ = roundUp(long(outputRows()) * cols, kBlock);
  paddedLength_ = responseLength_ + long(size - 1) * (cols + 1) + kLanes;
  forwardPackedLength_ = roundUp(filters, kFilterBlock) * taps;
  packedLength_ = forwardPackedLength_ + roundUp(taps, tapBlock_) * filters;
  adjointScratchLength_ = AdjointRows(size).length * taps;
}

void FilterBankCorrelation::padImage(const double* image, double* padded) const {
  const long n = long(rows_) * cols_;
  std::copy(image, image + n, padded);
  std::fill(padded + n, padded + paddedLength_, 0.0);
}

void FilterBankCorrelation::pack(const double* filters, double* packed) const {
  const int taps = size_ * size_, K = filters_;
  // Forward: per block of kFilterBlock filters, tap-major (the block's coefficients of one tap
  // adjacent), zeros for the filters past K.
  for (int k0 = 0; k0 < K; k0 += kFilterBlock) {
    double* block = packed + long(k0) * taps;
    for (int t = 0; t < taps; ++t) {
      for (int f = 0; f < kFilterBlock; ++f)
        block[t * kFilterBlock + f] = k0 + f < K ? filters[long(k0 + f) * taps + t] : 0.0;
    }
  }
  // Adjoint: per block of tapBlock_ taps, filter-major, zeros for the taps past s².
  double* adjoint = packed + forwardPackedLength_;
  const int T = tapBlock_;
  for (int t0 = 0; t0 < taps; t0 += T) {
    double* block = adjoint + long(t0) * K;
    for (int k = 0; k < K; ++k) {
      for (int t = 0; t < T; ++t)
        block[k * T + t] = t0 + t < taps ? filters[long(k) * taps + t0 + t] : 0.0;
    }
  }
}

void FilterBankCorrelation::apply(const double* packed, const double* image, long begin, long end,
                                  double* responses, long stride) const {
  const int s = size_, K = filters_, taps = s * s;
  for (int k0 = 0; k0 < K; k0 += kFilterBlock) {
    const double* bank = packed + long(k0) * taps;
    const int count = std::min(kFilterBlock, K - k0);
    double* target = responses + long(k0) * stride - begin;
    for (long p = begin; p < end; p += kBlock) {
      Lane acc[kFilterBlock][kVectors] = {};
      const double* coefficient = bank;
      for (int a = 0; a < s; ++a) {
        const double* row = image + p + long(a) * cols_;
        for (int b = 0; b < s; ++b, coefficient += kFilterBlock) {
          Lane in[kVectors];
#pragma GCC unroll 4
          for (int u = 0; u < kVectors; ++u)
            in[u] = load(row + b + u * kLanes);
#pragma GCC unroll 8
          for (int f = 0; f < kFilterBlock; ++f) {
            const double c = coefficient[f];
#pragma GCC unroll 4
            for (int u = 0; u < kVectors; ++u)
              acc[f][u] += c * in[u];
          }
        }
      }
      for (int f = 0; f < count; ++f) {
#pragma GCC unroll 4
        for (int u = 0; u < kVectors; ++u)
          store(target + f * stride + p + u * kLanes, acc[f][u]);
      }
    }
  }
  // Positions that are not outputs: the s − 1 columns past outputCols of each row, and every row
  // from outputRows on.
  const long outputs = long(outputRows()) * cols_;
  const int validCols = outputCols();
  for (int k = 0; k < K; ++k) {
    double* r = responses + long(k) * stride - begin;
    for (long rowStart = begin / cols_ * cols_; rowStart < end; rowStart += cols_) {
      const long from = std::max(begin, rowStart >= outputs ? rowStart : rowStart + validCols);
      const long to = std::min(end, rowStart + cols_);
      for (long p = from; p < to; ++p)
        r[p] = 0.0;
    }
  }
}

void FilterBankCorrelation::addAdjoint(const double* packed, const double* weights, long stride,
                                       long begin, long end, double* out, double* scratch) const {
  const int s = size_, K = filters_, taps = s * s;
  const AdjointRows rows(s);
  for (int t = 0; t < taps; ++t) {
    double* row = scratch + t * rows.length;
    std::fill(row, row + rows.before, 0.0);
    std::fill(row + rows.before + kBlock, row + rows.length, 0.0);
  }
  const double* bank = packed + forwardPackedLength_;
  withTapBlock(tapBlock_, [&](auto block) {
    constexpr int T = decltype(block)::value;
    for (long p = begin; p < end; p += kBlock) {
      // Products W Bᵀ of the block's outputs, T taps at a time, into the scratch rows.
      for (int t0 = 0; t0 < taps; t0 += T) {
        Lane acc[T][kVectors] = {};
        const double* coefficient = bank + long(t0) * K;
        const double* w = weights + (p - begin);
        for (int k = 0; k < K; ++k, w += stride, coefficient += T) {
          Lane in[kVectors];
#pragma GCC unroll 4
          for (int u = 0; u < kVectors; ++u)
            in[u] = load(w + u * kLanes);
#pragma GCC unroll 8
          for (int t = 0; t < T; ++t) {
            const double c = coefficient[t];
#pragma GCC unroll 4
            for (int u = 0; u < kVectors; ++u)
              acc[t][u] += c * in[u];
          }
        }
        const int count = std::min(T, taps - t0);
        for (int t = 0; t < count; ++t) {
          double* row = scratch + (t0 + t) * rows.length + rows.before;
#pragma GCC unroll 4
          for (int u = 0; u < kVectors; ++u)
            store(row + u * kLanes, acc[t][u]);
        }
      }
      // col2im: output row a of the block receives tap (a, b)'s products shifted by b.
      for (int a = 0; a < s; ++a) {
        double* target = out + p + long(a) * cols_;
        const double* tapRows = scratch + long(a) * s * rows.length + rows.before;
        for (long j = 0; j < rows.vectors; ++j) {
          Lane total = load(target + j * kLanes);
          for (int b = 0; b < s; ++b)
            total += load(tapRows + b * rows.length + j * kLanes - b);
          store(target + j * kLanes, total);
        }
      }
    }
  });
}

void FilterBankCorrelation::addFilterGradient(const double* image, const double* weights,
                                              long stride, long begin, long end,
                                              double* gradient) const {
  const int s = size_, K = filters_, taps = s * s;
  constexpr int G = kGradientFilters;
  withTapBlock(tapBlock_, [&](auto block) {
    constexpr int T = decltype(block)::value;
    for (int k0 = 0; k0 < K; k0 += G) {
      // Past K the block repeats the last filter; those sums are dropped.
      const double* w[G];
      for (int g = 0; g < G; ++g)
        w[g] = weights + long(std::min(k0 + g, K - 1)) * stride - begin;
      const int filterCount = std::min(G, K - k0);
      for (int t0 = 0; t0 < taps; t0 += T) {
        long offset[T];
        for (int t = 0; t < T; ++t) {
          const int tap = std::min(t0 + t, taps - 1);
          offset[t] = long(tap / s) * cols_ + tap % s;
        }
        Lane acc[T][G] = {};
        for (long p = begin; p < end; p += kLanes) {
          Lane in[G];
#pragma GCC unroll 4
          for (int g = 0; g < G; ++g)
            in[g] = load(w[g] + p);
#pragma GCC unroll 8
          for (int t = 0; t < T; ++t) {
            const Lane pixels = load(image + p + offset[t]);
#pragma GCC unroll 4
            for (int g = 0; g < G; ++g)
              acc[t][g] += pixels * in[g];
          }
        }
        const int tapCount = std::min(T, taps - t0);
        for (int g = 0; g < filterCount; ++g) {
          for (int t = 0; t < tapCount; ++t)
            gradient[long(k0 + g) * taps + t0 + t] += sum(acc[t][g]);
        }
      }
    }
  });
}

}  // namespace bilevel
