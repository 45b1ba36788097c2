// Normalization kernels (layer / instance / group / RMS / mean-variance / Lp / local response) and
// the window kernels that the NN operators around them need: Lp pooling, col2im (the scatter half
// of ConvTranspose and the Col2Im operator), RoiAlign and MaxRoiPool. All work on contiguous
// row-major memory; statistics accumulate in double whatever the element type.
#pragma once

#include <cstdint>
#include <vector>

namespace aruntime::kernels {

// Normalises each of `rows` contiguous rows of `row_size` elements:
//   y = (x - mean) * inv_std * scale + bias,  inv_std = 1 / sqrt(var + epsilon)
// with the population variance, or for RMS normalisation (`center` false)
//   y = x * inv_std * scale + bias,           inv_std = 1 / sqrt(mean(x^2) + epsilon).
// scale/bias (nullptr: 1 and 0) are indexed per row r and element i as
//   (r % param_period) * param_segments + i / segment_size
// where row_size == param_segments * segment_size. This covers per-element parameters
// (LayerNormalization: period 1, segments row_size, segment size 1), one per row
// (InstanceNormalization: period C, one segment) and one per channel inside a group row
// (GroupNormalization-21: period G, segments C/G, segment size spatial).
struct RowNormalization {
  double epsilon = 1e-5;
  bool center = true;
  const double* scale = nullptr;
  const double* bias = nullptr;
  int64_t param_period = 1;
  int64_t param_segments = 1;
  int64_t segment_size = 1;
  double* mean = nullptr;     // optional, one per row (0 when not centring)
  double* inv_std = nullptr;  // optional, one per row
};

// Instantiated for float and double.
template <typename T>
void normalize_rows(const T* x, T* y, int64_t rows, int64_t row_size, const RowNormalization& opt);

// MeanVarianceNormalization: y = (x - mean) / (sqrt(var) + epsilon) with mean and population
// variance taken over the axes flagged in `reduced` of x (shape `dims`). Float and double.
template <typename T>
void mean_variance_normalize(const T* x, T* y, const std::vector<int64_t>& dims,
                             const std::vector<bool>& reduced, double epsilon);

// LpNormalization of x viewed as [outer, n, inner] along its middle axis: y = x / ||x||_p with
// p 1 or 2. A zero vector stays zero instead of becoming 0/0. Float and double.
template <typename T>
void lp_normalize(const T* x, T* y, int64_t outer, int64_t n, int64_t inner, int64_t p);

// LRN across channels of x: [batch, channels, spatial]:
//   y = x / (bias + alpha / size * sum of x^2 over channels [c - (size-1)/2, c + size/2])^beta,
// the window clipped to the existing channels. Float and double.
template <typename T>
void local_response_normalize(const T* x, T* y, int64_t batch, int64_t channels, int64_t spatial,
                              int64_t size, double alpha, double beta, double bias);

// Geometry of a sliding window over any number of spatial axes.
struct WindowSpec {
  std::vector<int64_t> input_spatial;
  std::vector<int64_t> output_spatial;
  std::vector<int64_t> kernel;
  std::vector<int64_t> strides;
  std::vector<int64_t> dilations;
  std::vector<int64_t> pads_begin;
};

// LpPool: y = (sum over the in-image taps of |x|^p)^(1/p) for each of `planes` planes (padding
// contributes zeros). Float and double.
template <typename T>
void lp_pool(const WindowSpec& window, int64_t planes, const T* x, T* y, double p);

// image[c, window.input_spatial] += cols[c * prod(kernel) + k, l] for every kernel tap k and
// window position l (row-major over window.output_spatial), at image position
// l * stride - pad_begin + k * dilation when that lies inside the image. `image` uses
// window.input_spatial as its shape: col2im is the adjoint of im2col over that image. Float and
// double.
template <typename T>
void col2im_add(const WindowSpec& window, int64_t channels, const T* cols, T* image);

struct RoiAlignSpec {
  int64_t channels = 0, height = 0, width = 0;
  int64_t output_height = 1, output_width = 1;
  int64_t sampling_ratio = 0;  // 0: ceil(roi size / output size) samples per bin and axis
  double spatial_scale = 1.0;
  bool half_pixel = true;  // shift the scaled roi by -0.5 (opset 16 default)
  bool max_mode = false;   // max of the bilinear taps' weighted corners instead of the mean
};

// RoiAlign: y[r, c, ph, pw] pools bilinear samples of x[batch_indices[r], c] inside roi r
// (rois: [num_rois, 4] as x1, y1, x2, y2). Batch indices must be valid. Float and double.
template <typename T>
void roi_align(const RoiAlignSpec& spec, const T* x, const T* rois, const int64_t* batch_indices,
               int64_t num_rois, T* y);

// MaxRoiPool: y[r, c, ph, pw] = max of x over bin (ph, pw) of roi r, rois: [num_rois, 5] as
// batch index, x1, y1, x2, y2 in input coordinates scaled by `spatial_scale` and rounded; an
// empty bin gives 0. Batch indices must be valid. Float and double.
template <typename T>
void max_roi_pool(const T* x, int64_t channels, int64_t height, int64_t width, const T* rois,
                  int64_t num_rois, int64_t pooled_height, int64_t pooled_width,
                  double spatial_scale, T* y);

}  // namespace aruntime::kernels
