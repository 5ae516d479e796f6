package dev.jrnn.tensor;

import java.util.Arrays;
import java.util.Objects;

/**
 * An explicit, seeded pseudo-random generator, the counterpart of {@code torch.Generator}: every
 * random factory of {@link Tensor} takes one, so results replay exactly from the seed.
 *
 * <p>The algorithm is fixed and part of the contract, so sequences are identical on every JDK, OS
 * and run:
 * <ul>
 *   <li>state: xoshiro256** (Blackman and Vigna, 2018), four {@code long} words;</li>
 *   <li>seeding: the four words are four successive outputs of SplitMix64 started at {@code seed};</li>
 *   <li>{@link #nextFloat()}: the top 24 bits of {@link #nextLong()} times {@code 2^-24};</li>
 *   <li>{@link #nextDouble()}: the top 53 bits times {@code 2^-53};</li>
 *   <li>{@link #nextInt(int)}: Lemire's unbiased multiply-and-reject on the top 32 bits;</li>
 *   <li>{@link #nextGaussian()}: Marsaglia's polar method on two {@link #nextDouble()} draws mapped
 *       to {@code [-1, 1)}, with {@link StrictMath#log} and {@link StrictMath#sqrt} (fdlibm, identical
 *       on every JVM); the second variate of each pair is discarded so the state stays four words.</li>
 * </ul>
 * This is not torch's Mersenne Twister: the same seed does not give torch's numbers.
 *
 * <p>Not thread-safe: give each thread its own generator.
 *
 * <p>Thread safety: not thread-safe: every draw advances the state. Give each thread its own generator (or
 * synchronise externally); sharing one also makes results depend on scheduling.
 */
public final class Generator {

    private long s0;
    private long s1;
    private long s2;
    private long s3;

    /**
     * Creates a generator whose state is derived from {@code seed} by SplitMix64.
     *
     * @param seed any value
     */
    public Generator(long seed) {
        long x = seed;
        x += 0x9E3779B97F4A7C15L;
        s0 = mix(x);
        x += 0x9E3779B97F4A7C15L;
        s1 = mix(x);
        x += 0x9E3779B97F4A7C15L;
        s2 = mix(x);
        x += 0x9E3779B97F4A7C15L;
        s3 = mix(x);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** {@return the next 64 uniformly distributed bits (xoshiro256**)} */
    public long nextLong() {
        long result = Long.rotateLeft(s1 * 5, 7) * 9;
        long t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = Long.rotateLeft(s3, 45);
        return result;
    }

    /** {@return a float uniformly distributed on the 2^24 multiples of 2^-24 in [0, 1)} */
    public float nextFloat() {
        return (nextLong() >>> 40) * 0x1.0p-24f;
    }

    /** {@return a double uniformly distributed on the 2^53 multiples of 2^-53 in [0, 1)} */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /**
     * {@return an int uniformly distributed in {@code [0, bound)}, without modulo bias}
     *
     * @param bound the exclusive upper bound, {@code > 0}
     */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("nextInt: bound must be positive, got " + bound);
        }
        long m = (nextLong() >>> 32) * bound;
        long low = m & 0xFFFFFFFFL;
        if (low < bound) {
            long threshold = (0x100000000L - bound) % bound;
            while (low < threshold) {
                m = (nextLong() >>> 32) * bound;
                low = m & 0xFFFFFFFFL;
            }
        }
        return (int) (m >>> 32);
    }

    /** {@return a standard normal variate (mean 0, standard deviation 1), deterministic across JVMs} */
    public double nextGaussian() {
        double u;
        double v;
        double s;
        do {
            u = 2 * nextDouble() - 1;
            v = 2 * nextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        return u * StrictMath.sqrt(-2 * StrictMath.log(s) / s);
    }

    /** {@return a copy of the four state words, for checkpoints; see {@link #setState(long[])}} */
    public long[] getState() {
        return new long[] {s0, s1, s2, s3};
    }

    /**
     * Restores a state returned by {@link #getState()}; the generator then continues exactly where
     * the saved one was.
     *
     * @param state four words, not modified (copied); not all zero
     */
    public void setState(long[] state) {
        Objects.requireNonNull(state, "state");
        if (state.length != 4) {
            throw new IllegalArgumentException("setState: expected 4 state words, got " + state.length);
        }
        if ((state[0] | state[1] | state[2] | state[3]) == 0) {
            throw new IllegalArgumentException("setState: the all-zero state " + Arrays.toString(state)
                    + " is invalid for xoshiro256**");
        }
        s0 = state[0];
        s1 = state[1];
        s2 = state[2];
        s3 = state[3];
    }
}
