/* Calls the installed library once: np.gradient([1, 2, 4, 7, 11, 16]). */
#include <stdio.h>
#include <string.h>

#include <gradient.h>

int main(void) {
    const double f[6] = {1, 2, 4, 7, 11, 16};
    const double want[6] = {1, 1.5, 2.5, 3.5, 4.5, 5}; /* numpy's result */
    double out[6];
    double *outs[1];
    size_t shape[1] = {6};
    GradientError err;
    GradientStatus st;
    outs[0] = out;
    st = gradient_f64(f, 1, shape, NULL, NULL, 1, 1, outs, NULL, &err);
    if (st != GRADIENT_OK) {
        printf("consumer: %s: %s\n", gradient_status_name(st), err.message);
        return 1;
    }
    if (memcmp(out, want, sizeof out) != 0) {
        printf("consumer: wrong result\n");
        return 1;
    }
    if (strcmp(gradient_version(), GRADIENT_VERSION_STRING) != 0) {
        printf("consumer: header %s, library %s\n", GRADIENT_VERSION_STRING, gradient_version());
        return 1;
    }
    printf("consumer: ok (libgradient %s)\n", gradient_version());
    return 0;
}
