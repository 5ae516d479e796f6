package dev.jrnn.examples;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * The examples app ({@code examples/run}). Without a subcommand it runs the default job, {@link Segment}.
 *
 * <p>Exit codes: 0 success; 1 a check failed (a model's outputs differ from PyTorch's); 2 bad input or usage
 * (one line on standard error; {@code --verbose} adds the stack trace).
 */
@Command(name = "examples/run", sortOptions = false, usageHelpWidth = 110,
        headerHeading = "%n", header = "jrnn examples: recurrent networks in pure Java, trained and compared.",
        synopsisHeading = "%nUsage: ", descriptionHeading = "%n", optionListHeading = "%nOptions (every task takes the first six):%n",
        commandListHeading = "%nTasks (examples/run TASK --help for each):%n",
        description = {
            "Without a task, runs the default job (the task 'segment'): SimpleRNN, BiRNN, StackedRNN and",
            "StackedBiRNN trained side by side on a tagging task, putting the spaces back into 48 characters of",
            "text, with a progress bar, a comparison table and DIR/segment.png. About a minute on 2 idle cores.",
            "All data is bundled (examples/data/README.md); nothing is downloaded."},
        footerHeading = "%nExamples:%n",
        footer = {
            "  examples/run                                 the default job",
            "  examples/run --epochs 3 --hidden 32          a quicker default job",
            "  examples/run charlm --temperature 0.6        a GRU language model writing scripture",
            "  examples/run forecast --out /tmp/plots       an LSTM forecasting sunspots, with a PNG",
            "  examples/run run-torch examples/data/torch/gru.safetensors examples/data/torch/input.npy",
            "",
            "Exit codes: 0 done, 1 a PyTorch check failed, 2 bad input or usage."},
        subcommands = {Segment.class, CharLm.class, Forecast.class, VarLen.class, RunTorch.class, CheckTorch.class,
                CommandLine.HelpCommand.class})
public final class Main implements Callable<Integer> {

    /** Exit code for bad input or usage. */
    static final int BAD_INPUT = 2;

    @Mixin
    Options options = new Options();

    @Mixin
    Segment.Flags segment = new Segment.Flags();

    private Main() {
    }

    @Override
    public Integer call() throws Exception {
        Segment c = new Segment();
        c.options = options;
        c.flags = segment;
        return c.call();
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(run(args));
    }

    /** Runs the app; {@return the exit code} */
    static int run(String... args) {
        boolean verbose = Arrays.asList(args).contains("--verbose");
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler((ex, a) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("error: " + ex.getMessage() + " (try: examples/run "
                    + (ex.getCommandLine().getParent() == null ? "" : ex.getCommandLine().getCommandName() + " ")
                    + "--help)");
            if (verbose) {
                ex.printStackTrace(err);
            }
            err.flush();
            return BAD_INPUT;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            PrintWriter err = c.getErr();
            System.out.flush();
            err.println("error: " + message(ex));
            if (verbose) {
                ex.printStackTrace(err);
            }
            err.flush();
            return BAD_INPUT;
        });
        return cl.execute(args);
    }

    /** {@return a one-line message for an exception} */
    static String message(Throwable e) {
        if (e instanceof NoSuchFileException n) {
            return "no such file: " + n.getFile();
        }
        if (e instanceof java.nio.file.AccessDeniedException a) {
            return "permission denied: " + a.getFile();
        }
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            m = e.getClass().getSimpleName();
        } else if (!(e instanceof IOException || e instanceof IllegalArgumentException
                || e instanceof IllegalStateException)) {
            m = e.getClass().getSimpleName() + ": " + m;
        }
        return m.replace('\n', ' ');
    }
}
