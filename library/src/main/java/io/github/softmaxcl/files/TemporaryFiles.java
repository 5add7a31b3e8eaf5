/*
 * The names of OutputFile's temporary files, and the removal of those that killed writers left
 * behind. A temporary name must fit the file system's 255-byte limit for every target name that
 * fits it, and must say which target it belongs to, so that the next writer of that target can
 * recognise a dead writer's file by its name alone and delete it.
 */
package io.github.softmaxcl.files;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Temporary file names: {@code .NAME.softmax-XXXXXXXXXXXXXXXX.tmp} (16 hex digits) in the
 * target's directory; when that would exceed the 255-byte file name limit, NAME is shortened and
 * followed by {@code ~} and 8 hex digits of a hash of the full name, so every target gets its own
 * recognisable prefix. A live writer holds an exclusive lock on its temporary file; a file with the
 * prefix that nobody holds a lock on belongs to a process that died.
 */
final class TemporaryFiles {
    /** Users know these files as OutputFile's: log under its name, as before the split. */
    private static final Logger LOG = LoggerFactory.getLogger(OutputFile.class);
    /** The file name limit of ext4, XFS, Btrfs, tmpfs, APFS and NTFS (in UTF-16 units there). */
    static final int NAME_MAX_BYTES = 255;
    private static final String MARK = ".softmax-";
    private static final String SUFFIX = ".tmp";
    private static final int RANDOM_HEX = 16;
    private static final Pattern RANDOM_PART = Pattern.compile("[0-9a-f]{" + RANDOM_HEX + "}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private TemporaryFiles() {}

    /**
     * @param dir the target's directory
     * @param name the target's file name
     * @return a fresh temporary file name for that target, with a random part
     */
    static Path newName(Path dir, String name) {
        byte[] b = new byte[RANDOM_HEX / 2];
        RANDOM.nextBytes(b);
        return dir.resolve(prefix(name) + HexFormat.of().formatHex(b) + SUFFIX);
    }

    /**
     * The part of a temporary file's name that depends on the target's name: {@code .NAME.softmax-},
     * with NAME shortened (and made unique by a hash of the full name) when the whole temporary
     * name would not fit in 255 bytes.
     */
    static String prefix(String name) {
        int fixed = 1 + MARK.length() + RANDOM_HEX + SUFFIX.length();
        if (name.getBytes(StandardCharsets.UTF_8).length + fixed <= NAME_MAX_BYTES) {
            return "." + name + MARK;
        }
        String hash = "~" + HexFormat.of().formatHex(sha256(name), 0, 4);
        int budget = NAME_MAX_BYTES - fixed - hash.length();
        StringBuilder kept = new StringBuilder();
        int used = 0;
        // Whole code points only, so the shortened name is still valid UTF-8.
        for (int i = 0; i < name.length(); ) {
            int cp = name.codePointAt(i);
            int n = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
            if (used + n > budget) {
                break;
            }
            kept.appendCodePoint(cp);
            used += n;
            i += Character.charCount(cp);
        }
        return "." + kept + hash + MARK;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** Whether {@code fileName} is a temporary file name made for a target named {@code name}. */
    static boolean isTempOf(String fileName, String name) {
        String prefix = prefix(name);
        return fileName.startsWith(prefix) && fileName.endsWith(SUFFIX)
                && fileName.length() == prefix.length() + RANDOM_HEX + SUFFIX.length()
                && RANDOM_PART.matcher(fileName.substring(prefix.length(), prefix.length() + RANDOM_HEX)).matches();
    }

    /**
     * Deletes the temporary files of dead writers of {@code dir/name}: those with its prefix that no
     * process holds a lock on. The files of writers in this JVM ({@code ours}, asked for each file
     * found, since a writer may have created its file after the listing began) are skipped without
     * being opened, because closing any channel on a file drops every POSIX lock this process holds
     * on it. Failures are logged and otherwise ignored: a stale file costs disk space, not
     * correctness.
     *
     * @return the files deleted
     */
    static List<Path> removeStale(Path dir, String name, Predicate<Path> ours) {
        List<Path> removed = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir,
                p -> isTempOf(p.getFileName().toString(), name))) {
            for (Path p : entries) {
                if (!ours.test(p) && removeIfUnlocked(p)) {
                    removed.add(p);
                }
            }
        } catch (IOException | DirectoryIteratorException e) {
            LOG.warn("could not look for stale temporary files of {} in {}: {}", name, dir, e.toString());
        }
        return removed;
    }

    private static boolean removeIfUnlocked(Path p) {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                return false; // held by this JVM after all
            }
            if (l == null) {
                return false; // a live writer in another process
            }
            Files.delete(p); // while locked, so no new writer can take the name meanwhile
            LOG.info("deleted {}, left by a run that was killed", p);
            return true;
        } catch (IOException e) {
            // Not ours to delete (permissions), gone already, or locks unsupported: leave it.
            LOG.debug("left {}: {}", p, e.toString());
            return false;
        }
    }
}
