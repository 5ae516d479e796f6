package dev.jrnn.examples;

import java.io.PrintStream;

/**
 * A one-line live progress bar per training run: epoch, loss, accuracy, throughput and ETA, redrawn in
 * place on a terminal ({@code \r}); without a terminal (a pipe, a CI log) it prints one line per epoch.
 */
final class Progress {

    private static final int WIDTH = 16;
    private static final long REDRAW_NANOS = 100_000_000L;
    /** The terminal width if the shell exports it ({@code COLUMNS}), else 0 (unknown: no truncation). */
    private static final int COLUMNS = columns();

    private final PrintStream out;
    private final boolean live;
    private final String name;
    private final int epochs;
    private long lastDraw;
    private int lastLength;

    /**
     * @param out where to draw
     * @param live redraw in place (a terminal) rather than print one line per epoch
     * @param name the run's name, left-aligned in 13 columns
     * @param epochs the number of epochs
     */
    Progress(PrintStream out, boolean live, String name, int epochs) {
        this.out = out;
        this.live = live;
        this.name = name;
        this.epochs = epochs;
    }

    /** {@return whether standard output is a terminal (then bars are redrawn in place)} */
    static boolean isTerminal() {
        return System.console() != null;
    }

    /** Within an epoch: redraws at most every 100 ms, and only on a terminal. */
    void batch(int epoch, int batch, int batches, String metrics, double rate, double etaSeconds) {
        if (!live) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastDraw < REDRAW_NANOS && batch < batches) {
            return;
        }
        lastDraw = now;
        double done = ((epoch - 1) + (double) batch / batches) / epochs;
        draw(line(epoch, done, metrics, rate, etaSeconds), false);
    }

    /** At the end of an epoch. */
    void epoch(int epoch, String metrics, double rate, double etaSeconds) {
        draw(line(epoch, (double) epoch / epochs, metrics, rate, etaSeconds), !live);
    }

    /** At the end of the run: the last line stays. */
    void done(String summary) {
        if (live) {
            draw(String.format("%-13s %s", name, summary), true);
        } else {
            out.printf("%-13s %s%n", name, summary);
        }
    }

    private String line(int epoch, double fraction, String metrics, double rate, double eta) {
        int filled = (int) Math.round(fraction * WIDTH);
        String bar = "=".repeat(Math.max(0, filled - 1)) + (filled > 0 && filled < WIDTH ? ">" : filled > 0 ? "=" : "")
                + " ".repeat(WIDTH - filled);
        return String.format("%-13s epoch %2d/%-2d [%s] %3.0f%%  %s  %,6.0f seq/s  ETA %s", name, epoch, epochs, bar,
                100 * fraction, metrics, rate, clock(eta));
    }

    private void draw(String line, boolean newline) {
        String s = line;
        if (live) {
            if (COLUMNS > 20 && s.length() >= COLUMNS) {
                s = s.substring(0, COLUMNS - 1);   // a wrapped line cannot be redrawn in place
            }
            int pad = Math.max(0, lastLength - s.length());
            out.print("\r" + s + " ".repeat(pad));
            lastLength = s.length();
            if (newline) {
                out.println();
                lastLength = 0;
            }
        } else if (newline) {
            out.println(s);
        }
        out.flush();
    }

    private static int columns() {
        try {
            return Integer.parseInt(System.getenv().getOrDefault("COLUMNS", "0").trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** {@return seconds as m:ss} */
    static String clock(double seconds) {
        if (!Double.isFinite(seconds) || seconds < 0) {
            return "-:--";
        }
        long s = Math.round(seconds);
        return String.format("%d:%02d", s / 60, s % 60);
    }
}
