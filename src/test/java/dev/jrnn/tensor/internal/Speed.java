package dev.jrnn.tensor.internal;

import java.util.Locale;
import java.util.SplittableRandom;

/** Rough ns/element of the activation kernels (used by {@link UlpSweep}); not a JMH benchmark. */
final class Speed {

    private Speed() {
    }

    static void run(boolean vector) {
        int n = 4096;
        float[] x = new float[n];
        float[] y = new float[n];
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextDouble() * 16 - 8);
        }
        for (int round = 0; round < 2; round++) {
            boolean print = round == 1;
            time("tanh scalar FastMath", print, () -> FastMath.tanh(x, 0, y, 0, n), n);
            time("tanh (float) Math.tanh", print, () -> {
                for (int i = 0; i < n; i++) {
                    y[i] = (float) Math.tanh(x[i]);
                }
            }, n);
            time("sigmoid scalar FastMath", print, () -> FastMath.sigmoid(x, 0, y, 0, n), n);
            time("sigmoid 1/(1+Math.exp)", print, () -> {
                for (int i = 0; i < n; i++) {
                    y[i] = (float) (1 / (1 + Math.exp(-x[i])));
                }
            }, n);
            time("exp scalar FastMath", print, () -> FastMath.exp(x, 0, y, 0, n), n);
            time("exp (float) Math.exp", print, () -> {
                for (int i = 0; i < n; i++) {
                    y[i] = (float) Math.exp(x[i]);
                }
            }, n);
            if (vector) {
                time("tanh VectorMath", print, () -> VectorMath.tanh(x, 0, y, 0, n), n);
                time("sigmoid VectorMath", print, () -> VectorMath.sigmoid(x, 0, y, 0, n), n);
                time("exp VectorMath", print, () -> VectorMath.exp(x, 0, y, 0, n), n);
                time("tanh lanewise(TANH)", print, () -> VectorLanewise.tanh(x, y, n), n);
                time("exp lanewise(EXP)", print, () -> VectorLanewise.exp(x, y, n), n);
            }
        }
    }

    private static void time(String name, boolean print, Runnable body, int n) {
        long best = Long.MAX_VALUE;
        for (int rep = 0; rep < 15; rep++) {
            long t0 = System.nanoTime();
            for (int k = 0; k < 200; k++) {
                body.run();
            }
            best = Math.min(best, System.nanoTime() - t0);
        }
        if (print) {
            System.out.printf(Locale.ROOT, "%-26s %7.2f ns/element (best of 15 x 200 x %d)%n", name,
                    best / (200.0 * n), n);
        }
    }
}
