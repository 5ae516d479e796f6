package dev.jrnn.bench;

/**
 * Converts GEMM times to GFLOP/s ({@code 2·M·N·K} flops per call).
 *
 * <p>{@code java -cp target/benchmarks.jar dev.jrnn.bench.Flops 64x512x1024 440} prints the GFLOP/s
 * of a 440 µs call.
 */
public final class Flops {

    private Flops() {
    }

    /** {@return {M, N, K} parsed from {@code "MxNxK"}} */
    public static int[] parse(String shape) {
        String[] p = shape.split("x");
        if (p.length != 3) {
            throw new IllegalArgumentException("shape must be MxNxK, got '" + shape + "'");
        }
        return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])};
    }

    /** {@return GFLOP/s of one {@code shape} GEMM taking {@code microseconds}} */
    public static double gflops(String shape, double microseconds) {
        int[] s = parse(shape);
        return 2.0 * s[0] * s[1] * s[2] / (microseconds * 1e3);
    }

    /** Prints the GFLOP/s for pairs of arguments {@code MxNxK microseconds}. */
    public static void main(String[] args) {
        for (int i = 0; i + 1 < args.length; i += 2) {
            System.out.printf("%s %s us: %.1f GFLOP/s%n", args[i], args[i + 1],
                    gflops(args[i], Double.parseDouble(args[i + 1])));
        }
    }
}
