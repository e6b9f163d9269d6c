// gradient.h from C++11: the header compiles as C++, std::vector<double> feeds
// gradient_f64, and std::complex<double> (layout-compatible with
// GradientComplex128: an array of two doubles, real then imaginary) feeds
// gradient_c128. Expected values are numpy's:
//   np.gradient([1, 2, 4, 7, 11, 16], [0, 1, 1.5, 3.5, 4, 6])
//   np.gradient(np.array([1+1j, 2, 4-2j, 7+0.5j]) , 0.5)
#include <complex>
#include <cstdio>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "gradient.h"

static int passed = 0;
static int failed = 0;

static void check(bool ok, const char *what, int line) {
    if (ok) {
        ++passed;
    } else {
        ++failed;
        std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, line, what);
    }
}
#define CHECK(cond) check((cond), #cond, __LINE__)

static bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

static_assert(sizeof(std::complex<double>) == sizeof(GradientComplex128), "complex<double> layout");
static_assert(sizeof(std::complex<float>) == sizeof(GradientComplex64), "complex<float> layout");
static_assert(std::is_standard_layout<GradientAxis>::value, "GradientAxis is a C struct");
static_assert(sizeof(GradientStatus) == sizeof(std::int32_t), "GradientStatus is an int32_t");

static void test_vector_f64() {
    const std::vector<double> f = {1, 2, 4, 7, 11, 16};
    const std::vector<double> x = {0, 1, 1.5, 3.5, 4, 6};
    const std::vector<double> want = {1.0, 2.9999999999999996, 3.5, 6.700000000000001, 6.899999999999999, 2.5};
    std::vector<double> out(f.size());
    const std::size_t shape[1] = {f.size()};
    GradientAxis axis{1.0, x.data(), GRADIENT_END_ONE_SIDED, GRADIENT_END_ONE_SIDED};
    double *outs[1] = {out.data()};
    GradientError err;
    GradientStatus st = gradient_f64(f.data(), 1, shape, nullptr, &axis, 1, 1, outs, nullptr, &err);
    CHECK(st == GRADIENT_OK);
    CHECK(err.status == GRADIENT_OK);
    for (std::size_t i = 0; i < want.size(); ++i) CHECK(same_bits(out[i], want[i]));
}

static void test_complex_c128() {
    const std::vector<std::complex<double>> f = {{1, 1}, {2, 0}, {4, -2}, {7, 0.5}};
    // numpy: np.gradient(f, 0.5)
    const std::vector<std::complex<double>> want = {{2, -2}, {3, -3}, {5, 0.5}, {6, 5}};
    std::vector<std::complex<double>> out(f.size());
    const std::size_t shape[1] = {f.size()};
    GradientAxis axis{0.5, nullptr, GRADIENT_END_ONE_SIDED, GRADIENT_END_ONE_SIDED};
    GradientComplex128 *outs[1] = {reinterpret_cast<GradientComplex128 *>(out.data())};
    GradientError err;
    GradientStatus st = gradient_c128(reinterpret_cast<const GradientComplex128 *>(f.data()), 1, shape, nullptr,
                                      &axis, 1, 1, outs, nullptr, &err);
    CHECK(st == GRADIENT_OK);
    for (std::size_t i = 0; i < want.size(); ++i) {
        CHECK(same_bits(out[i].real(), want[i].real()));
        CHECK(same_bits(out[i].imag(), want[i].imag()));
    }
}

static void test_errors_and_names() {
    const double f[3] = {1, 2, 3};
    double out[3] = {0, 0, 0};
    const std::size_t shape[1] = {3};
    double *outs[1] = {out};
    GradientError err;
    GradientStatus st = gradient_f64(f, 1, shape, nullptr, nullptr, 1, 5, outs, nullptr, &err);
    CHECK(st == GRADIENT_BAD_EDGE_ORDER);
    CHECK(std::string(gradient_status_name(st)) == "GRADIENT_BAD_EDGE_ORDER");
    CHECK(std::string(err.message).find("edge_order") != std::string::npos);
    CHECK(err.axis == GRADIENT_NO_AXIS);
    CHECK(std::string(gradient_version()) == GRADIENT_VERSION_STRING);
}

int main() {
    test_vector_f64();
    test_complex_c128();
    test_errors_and_names();
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
