package dev.jrnn.examples;

import dev.jrnn.tensor.Threads;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The flags every task takes (a picocli mixin). A task resolves its own defaults for the nullable ones. */
final class Options {

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of the weights, the data sampling and the batch order"
            + " (default: ${DEFAULT-VALUE}). Same seed, same numbers, whatever --threads.")
    long seed = 42;

    @Option(names = "--epochs", paramLabel = "N", description = "Training epochs (default: the task's, see above).")
    Integer epochs;

    @Option(names = "--hidden", paramLabel = "H", description = "Hidden units per layer and direction (default: the"
            + " task's).")
    Integer hidden;

    @Option(names = "--threads", paramLabel = "N", description = "GEMM threads (default: jrnn's, -Djrnn.threads or the"
            + " number of cores).")
    Integer threads;

    @Option(names = "--out", paramLabel = "DIR", description = "Where the PNGs are written (default:"
            + " ${DEFAULT-VALUE}, created if missing).")
    Path out = Path.of("jrnn-examples-out");

    @Option(names = "--verbose", description = "Show stack traces on errors.")
    boolean verbose;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    /** {@return the epochs, or the task's default; rejects values below 1} */
    int epochs(int dflt) {
        return positive("--epochs", epochs, dflt);
    }

    /** {@return the hidden size, or the task's default; rejects values below 1} */
    int hidden(int dflt) {
        return positive("--hidden", hidden, dflt);
    }

    /** Sets the GEMM thread count if {@code --threads} was given. */
    void applyThreads() {
        if (threads != null) {
            Threads.setCount(positive("--threads", threads, 1));
        }
    }

    int positive(String name, Integer value, int dflt) {
        return atLeast(name, value == null ? dflt : value, 1);
    }

    /** {@return v; a usage error (one line, exit code 2) if it is below min} */
    int atLeast(String name, int v, int min) {
        if (v < min) {
            throw new ParameterException(spec.commandLine(), name + " must be at least " + min + ", got " + v);
        }
        return v;
    }
}
