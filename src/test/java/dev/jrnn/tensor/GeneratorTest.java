package dev.jrnn.tensor;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Golden values come from an independent Python implementation of SplitMix64 + xoshiro256** (the
 * algorithm documented on {@link Generator}), run once and pasted here.
 */
class GeneratorTest {

    @Test
    void goldenSequenceForSeed42() {
        Generator g = new Generator(42);
        assertThat(g.getState()).containsExactly(-4767286540954276203L, 2949826092126892291L,
                5139283748462763858L, 6349198060258255764L);
        assertThat(g.nextLong()).isEqualTo(1546998764402558742L);
        assertThat(g.nextLong()).isEqualTo(6990951692964543102L);
        assertThat(g.nextLong()).isEqualTo(-5902157311460992607L);
        assertThat(g.nextFloat()).isEqualTo(0.9246929287910461f);
        assertThat(g.nextFloat()).isEqualTo(0.9918038845062256f);
        assertThat(g.nextFloat()).isEqualTo(0.7697394490242004f);
        assertThat(g.nextDouble()).isEqualTo(0.7192585778779156);
        assertThat(g.nextDouble()).isEqualTo(0.8500084439109727);
        int[] ints = new int[5];
        for (int i = 0; i < 5; i++) {
            ints[i] = g.nextInt(10);
        }
        assertThat(ints).containsExactly(7, 5, 6, 2, 8);
        assertThat(g.nextGaussian()).isEqualTo(-0.9939376777717153);
        assertThat(g.nextGaussian()).isEqualTo(0.92572674303997);
        assertThat(g.nextGaussian()).isEqualTo(0.7760549605903775);
    }

    @Test
    void goldenFirstOutputsForOtherSeeds() {
        assertThat(new Generator(0).nextLong()).isEqualTo(-7355399402456485196L);
        assertThat(new Generator(-1).nextLong()).isEqualTo(-8118546653352383224L);
    }

    @Test
    void stateRoundTripReplaysTheSequence() {
        Generator g = new Generator(7);
        for (int i = 0; i < 10; i++) {
            g.nextGaussian();
        }
        long[] saved = g.getState();
        double[] expected = {g.nextGaussian(), g.nextDouble(), g.nextFloat(), g.nextInt(1000)};
        Generator h = new Generator(12345);
        h.setState(saved);
        assertThat(new double[] {h.nextGaussian(), h.nextDouble(), h.nextFloat(), h.nextInt(1000)})
                .containsExactly(expected);
    }

    @Test
    void stateIsCopiedBothWays() {
        Generator g = new Generator(1);
        long[] s = g.getState();
        s[0] = 99;
        assertThat(g.getState()[0]).isNotEqualTo(99);
        long[] in = new Generator(2).getState();
        g.setState(in);
        in[1] = 5;
        assertThat(g.getState()).containsExactly(new Generator(2).getState());
    }

    @Test
    void setStateRejectsBadInput() {
        Generator g = new Generator(1);
        assertThatThrownBy(() -> g.setState(new long[3]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("setState: expected 4 state words, got 3");
        assertThatThrownBy(() -> g.setState(new long[4]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("setState: the all-zero state [0, 0, 0, 0] is invalid for xoshiro256**");
        assertThatThrownBy(() -> g.setState(null)).isInstanceOf(NullPointerException.class).hasMessage("state");
    }

    @Test
    void rangesAndMoments() {
        Generator g = new Generator(3);
        int n = 200_000;
        double sum = 0;
        double sumSq = 0;
        int[] counts = new int[7];
        for (int i = 0; i < n; i++) {
            float f = g.nextFloat();
            assertThat(f).isGreaterThanOrEqualTo(0f).isLessThan(1f);
            double d = g.nextDouble();
            assertThat(d).isGreaterThanOrEqualTo(0.0).isLessThan(1.0);
            counts[g.nextInt(7)]++;
            double z = g.nextGaussian();
            sum += z;
            sumSq += z * z;
        }
        assertThat(sum / n).isCloseTo(0.0, org.assertj.core.data.Offset.offset(0.01));
        assertThat(sumSq / n).isCloseTo(1.0, org.assertj.core.data.Offset.offset(0.02));
        for (int c : counts) {
            assertThat((double) c / n).isCloseTo(1.0 / 7, org.assertj.core.data.Offset.offset(0.005));
        }
        assertThatThrownBy(() -> g.nextInt(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("nextInt: bound must be positive, got 0");
        assertThat(g.nextInt(1)).isZero();
    }
}
