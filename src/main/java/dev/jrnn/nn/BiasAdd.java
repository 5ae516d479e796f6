package dev.jrnn.nn;

import dev.jrnn.nn.internal.Kernels;
import dev.jrnn.nn.internal.RowParallel;

/**
 * {@code gates[row] += bias} for every {@code (G)} row of an input projection {@code X·W_ihᵀ}, split over
 * the rows across threads ({@link RowParallel}) when there are enough of them; element-wise, so the split
 * never changes a bit. A split holds its arrays in fields only while it runs. One instance per running
 * forward.
 */
final class BiasAdd extends RowParallel {

    private float[] gates;
    private int off;
    private float[] bias;
    private int g;

    /** Adds {@code bias (G)} to each of the {@code rows} rows of {@code gates (rows, G)} from {@code off}. */
    void add(float[] gates, int off, float[] bias, int rows, int g) {
        int parts = parts(rows, g / 4);   // an add is about a quarter of an activation's element
        if (parts == 1) {
            add(gates, off, bias, g, 0, rows);
            return;
        }
        this.gates = gates;
        this.off = off;
        this.bias = bias;
        this.g = g;
        try {
            invoke(rows, parts);
        } finally {
            this.gates = null;
            this.bias = null;
        }
    }

    @Override
    protected void rows(int from, int to) {
        add(gates, off, bias, g, from, to);
    }

    private static void add(float[] a, int off, float[] b, int g, int from, int to) {
        Kernels.addRows(a, off + from * g, b, 0, to - from, g);
    }
}
