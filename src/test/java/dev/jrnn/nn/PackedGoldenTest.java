package dev.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.jrnn.TestSupport;
import dev.jrnn.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The packed-GRU golden values of spec §13 (float64 torch 1.13): {@code GRU(3, 4, bidirectional=True)},
 * parameters {@code 0.5·sin(0.37·k)}, input {@code x[t][n][f] = cos(0.1·(idx + 1))} {@code (3, 2, 3)},
 * packed with lengths {@code [2, 3]}, {@code enforce_sorted=False}, {@code h_0} zeros.
 */
class PackedGoldenTest {

    private static final double OUT_SUM = -1.0606136699244622;
    private static final double HN_SUM = 0.53998109704733865;
    private static final double[] HN_1_0 = {-0.39257756771425356, -0.1730529790495095, 0.42780163190199644,
        0.57715737428051928};

    @Test
    void packedGruReproducesGoldenValues() {
        RNNConfig cfg = RNNConfig.gru(3, 4).withBidirectional(true);
        GRU gru = new GRU(cfg).eval();
        Map<String, Tensor> sd = new LinkedHashMap<>();
        RNNGoldenTest.goldenParams(cfg).forEach((k, v) ->
                sd.put(k, Tensor.of(RNNGoldenTest.toFloat(v), gru.namedParameters().get(k).shape())));
        gru.loadStateDict(sd, true);
        Tensor x = Tensor.of(RNNGoldenTest.toFloat(RNNGoldenTest.goldenInput()), 3, 2, 3);
        int[] lengths = {2, 3};

        PackedSequence p = RnnUtils.packPaddedSequence(x, lengths, false, false);
        assertThat(p.batchSizes()).containsExactly(2, 2, 1);
        assertThat(p.sortedIndices()).containsExactly(1, 0);
        PackedRNNOutput packed = gru.forwardPacked(p);
        PaddedBatch unpacked = RnnUtils.padPackedSequence(packed.output());
        assertThat(unpacked.lengths()).containsExactly(2, 3);
        RNNOutput viaLengths = gru.forward(x, lengths, null);
        assertThat(viaLengths.output().toArray()).containsExactly(unpacked.padded().toArray());
        assertThat(viaLengths.hN().toArray()).containsExactly(packed.hN().toArray());

        float[] o = unpacked.padded().toArray();   // (3, 2, 8)
        float[] hn = packed.hN().toArray();        // (2, 2, 4)
        double hnErr = 0;
        for (int j = 0; j < 4; j++) {
            hnErr = Math.max(hnErr, Math.abs(hn[2 * 4 + j] - HN_1_0[j]));
        }
        System.out.printf("PackedGoldenTest: |output.sum - golden| %.3e, |h_n.sum - golden| %.3e, max |h_n[1,0] - golden|"
                + " %.3e%n", Math.abs(sum(o) - OUT_SUM), Math.abs(sum(hn) - HN_SUM), hnErr);
        assertThat(sum(o)).isCloseTo(OUT_SUM, within(1e-5));
        assertThat(sum(hn)).isCloseTo(HN_SUM, within(1e-5));
        for (int j = 0; j < 4; j++) {
            assertThat((double) hn[(2 + 0) * 4 + j]).isCloseTo(HN_1_0[j], within(TestSupport.FORWARD_ATOL));
        }
        for (int j = 0; j < 8; j++) {
            assertThat(o[(2 * 2 + 0) * 8 + j]).isEqualTo(0f);   // padded output[2, 0, :]
        }
    }

    private static double sum(float[] v) {
        double s = 0;
        for (float f : v) {
            s += f;
        }
        return s;
    }
}
