package dev.jrnn.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The bundled texts: the four Gospels in three public-domain translations, one verse per line
 * ({@code examples/data/gospels/}, see its README for sources and licences).
 *
 * <p>The train/validation split is by chapter (every fifth chapter of each book is held out), so a verse
 * and its translations never sit on both sides of the split.
 */
final class Gospels {

    /** The translations, in class order. */
    enum Translation {
        KJV("kjv", "King James Version (English, 1611/1769)"),
        WEB("web", "World English Bible (English, 2000)"),
        RV1909("rv1909", "Reina-Valera (Spanish, 1909)");

        final String file;
        final String title;

        Translation(String file, String title) {
            this.file = file;
            this.title = title;
        }
    }

    /** One verse: reference ({@code Matt.1.1}), chapter number, normalised text. */
    record Verse(String ref, int chapter, String text) {
        boolean validation() {
            return chapter % 5 == 0;
        }
    }

    private Gospels() {
    }

    /** {@return the verses of a translation, in order} */
    static List<Verse> verses(Translation t) throws IOException {
        String res = "/data/gospels/" + t.file + ".txt";
        List<Verse> out = new ArrayList<>();
        try (InputStream in = Gospels.class.getResourceAsStream(res)) {
            if (in == null) {
                throw new IOException("bundled text " + res + " is missing from the class path");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                int tab = line.indexOf('\t');
                if (tab < 0) {
                    continue;
                }
                String ref = line.substring(0, tab);
                int chapter = Integer.parseInt(ref.split("\\.")[1]);
                out.add(new Verse(ref, chapter, Text.normalise(line.substring(tab + 1))));
            }
        }
        return out;
    }

    /** {@return the verses of one side of the split, joined by spaces} */
    static String joined(List<Verse> verses, boolean validation) {
        StringBuilder b = new StringBuilder();
        for (Verse v : verses) {
            if (v.validation() == validation) {
                if (b.length() > 0) {
                    b.append(' ');
                }
                b.append(v.text());
            }
        }
        return b.toString();
    }
}
