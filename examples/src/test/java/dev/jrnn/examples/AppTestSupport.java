package dev.jrnn.examples;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import picocli.CommandLine;

/** Helpers of the app tests: parse a task's flags as the CLI does, capture output, read PNGs. */
final class AppTestSupport {

    private AppTestSupport() {
    }

    /** {@return the task object with the flags parsed, exactly as {@code examples/run TASK args} would} */
    static <T> T parse(T command, String... args) {
        new CommandLine(command).parseArgs(args);
        return command;
    }

    /** A sink for a task's standard output. */
    static final class Captured {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);

        String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }

    /** The result of running the whole app: exit code, stdout, stderr. */
    record Exit(int code, String out, String err) {
    }

    /** Runs {@link Main#run} with System.out and System.err captured. */
    static synchronized Exit runApp(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        Captured out = new Captured();
        Captured err = new Captured();
        System.setOut(out.stream);
        System.setErr(err.stream);
        try {
            int code = Main.run(args);
            return new Exit(code, out.text(), err.text());
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** {@return the decoded image; fails if the file is not a readable image} */
    static BufferedImage image(Path png) throws IOException {
        BufferedImage img = ImageIO.read(png.toFile());
        if (img == null) {
            throw new IOException(png + " is not an image ImageIO can read");
        }
        return img;
    }
}
