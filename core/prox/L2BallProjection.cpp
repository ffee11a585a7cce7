#include "prox/L2BallProjection.h"

namespace bilevel {
namespace {
// Below this many pixels a parallel region costs more than it saves (as in the operators).
constexpr Eigen::Index kParallelPixels = 128 * 128;
}  // namespace

void L2BallProjection::project(const Vector& radii, const Vector& q, Vector& out) {
  const Eigen::Index n = radii.size();
  const double* r = radii.data();
  const double* h = q.data();
  const double* v = q.data() + n;
  double* oh = out.data();
  double* ov = out.data() + n;
#pragma omp parallel for simd schedule(static) if (n >= kParallelPixels)
  for (Eigen::Index i = 0; i < n; ++i) {
    const double s = scale(r[i], h[i], v[i]);
    oh[i] = s * h[i];
    ov[i] = s * v[i];
  }
}

void L2BallProjection::jacobianProduct(const Vector& radii, const Vector& q, const Vector& dq,
                                       Vector& out) {
  const Eigen::Index n = radii.size();
  const double* r = radii.data();
  const double* qh = q.data();
  const double* qv = q.data() + n;
  const double* dh = dq.data();
  const double* dv = dq.data() + n;
  double* oh = out.data();
  double* ov = out.data() + n;
#pragma omp parallel for simd schedule(static) if (n >= kParallelPixels)
  for (Eigen::Index i = 0; i < n; ++i) {
    jacobianProduct(r[i], qh[i], qv[i], dh[i], dv[i], oh[i], ov[i]);
  }
}

void L2BallProjection::radiusProduct(const Vector& radii, const Vector& q, const Vector& dRadii,
                                     Vector& out) {
  const Eigen::Index n = radii.size();
#pragma omp parallel for schedule(static) if (n >= kParallelPixels)
  for (Eigen::Index i = 0; i < n; ++i) {
    double uh, uv;
    radiusDerivative(radii[i], q[i], q[n + i], uh, uv);
    out[i] = uh * dRadii[i];
    out[n + i] = uv * dRadii[i];
  }
}

void L2BallProjection::radiusAdjoint(const Vector& radii, const Vector& q, const Vector& w,
                                     Vector& out) {
  const Eigen::Index n = radii.size();
  const double* r = radii.data();
  const double* qh = q.data();
  const double* qv = q.data() + n;
  const double* wh = w.data();
  const double* wv = w.data() + n;
  double* o = out.data();
#pragma omp parallel for simd schedule(static) if (n >= kParallelPixels)
  for (Eigen::Index i = 0; i < n; ++i) {
    double uh, uv;
    radiusDerivative(r[i], qh[i], qv[i], uh, uv);
    o[i] = uh * wh[i] + uv * wv[i];
  }
}

}  // namespace bilevel
