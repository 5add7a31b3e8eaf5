/*
 * The life of one output file that must appear whole or not at all: every check on the target is
 * made before any data is computed, the data goes to a hidden temporary file beside the target,
 * and the temporary file replaces the target only on commit, keeping the permissions of a file it
 * replaces. A temporary file never outlives its writer: close() deletes it, a JVM shutdown (SIGTERM,
 * SIGINT, System.exit) deletes it, and one left by a killed process (SIGKILL, power loss) is
 * recognised by its name and deleted by the next writer of the same target.
 */
package io.github.softmaxcl.npy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A target file and the temporary file that becomes it. Use with try-with-resources:
 * {@link #close()} without a successful {@link #commit()} deletes the temporary file and leaves
 * the target as it was. Not thread-safe, except that a JVM shutdown may delete the temporary file
 * of a writer that is still running.
 *
 * <p>Temporary files are named {@code .NAME.softmax-XXXXXXXXXXXXXXXX.tmp} (16 hex digits) in the
 * target's directory; when that would exceed the 255-byte file name limit, NAME is shortened and
 * followed by {@code ~} and 8 hex digits of a hash of the full name, so every target gets its own
 * recognisable prefix. The writer holds an exclusive lock on its temporary file; a file with the
 * prefix that nobody holds a lock on belongs to a process that died, and is deleted.
 */
public final class OutputFile implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OutputFile.class);
    /** The file name limit of ext4, XFS, Btrfs, tmpfs, APFS and NTFS (in UTF-16 units there). */
    static final int NAME_MAX_BYTES = 255;
    private static final String MARK = ".softmax-";
    private static final String SUFFIX = ".tmp";
    private static final int RANDOM_HEX = 16;
    private static final Pattern RANDOM_PART = Pattern.compile("[0-9a-f]{" + RANDOM_HEX + "}");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Guards LIVE and SHUTTING_DOWN, so a commit's rename and the shutdown hook never interleave. */
    private static final Object REGISTRY = new Object();
    private static final Set<OutputFile> LIVE = new LinkedHashSet<>();
    private static boolean hookInstalled;
    private static boolean shuttingDown;

    private final Path target;
    private final Path temp;
    private final FileChannel channel;
    private boolean committed;
    private boolean closed;

    private OutputFile(Path target, Path temp, FileChannel channel) {
        this.target = target;
        this.temp = temp;
        this.channel = channel;
    }

    /**
     * Checks that {@code target} can be written, deletes temporary files that killed writers of the
     * same target left behind, and creates this writer's temporary file. Nothing appears under
     * {@code target} until {@link #commit()}.
     *
     * @param target where the finished file goes; an existing regular file there is replaced on
     *               commit. Messages name it as given.
     * @return the open output; close it
     * @throws IllegalArgumentException if {@code target} can never be written as given: it names a
     *                                  directory or an existing file that is not a regular file, its
     *                                  name is longer than 255 bytes, or its directory does not
     *                                  exist or is not a directory
     * @throws IOException              if the temporary file cannot be created (no permission, a
     *                                  read-only file system, ...); the message names the target
     */
    public static OutputFile create(Path target) throws IOException {
        Objects.requireNonNull(target, "target");
        Path absolute = target.toAbsolutePath().normalize();
        Path fileName = absolute.getFileName();
        if (fileName == null) {
            throw new IllegalArgumentException("cannot write " + target + ": it names no file");
        }
        String name = fileName.toString();
        int nameBytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (nameBytes > NAME_MAX_BYTES) {
            throw new IllegalArgumentException("cannot write " + target + ": its file name is " + nameBytes
                    + " bytes long, and file systems allow at most " + NAME_MAX_BYTES);
        }
        Path dir = absolute.getParent();
        String shownDir = target.getParent() != null ? target.getParent().toString() : dir.toString();
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("cannot write " + target + ": " + (Files.exists(dir)
                    ? shownDir + " is not a directory" : "directory " + shownDir + " does not exist"));
        }
        if (Files.isDirectory(target)) {
            throw new IllegalArgumentException("cannot write " + target + ": it is a directory; name a file");
        }
        if (Files.exists(target) && !Files.isRegularFile(target)) {
            throw new IllegalArgumentException("cannot write " + target
                    + ": it exists and is not a regular file (only regular files are replaced)");
        }
        removeStale(dir, name);
        try {
            return open(target, dir, tempPrefix(name));
        } catch (AccessDeniedException e) {
            throw new IOException("cannot write " + target + ": permission denied in directory " + shownDir, e);
        } catch (NoSuchFileException e) {
            throw new IOException("cannot write " + target + ": " + (Files.isDirectory(dir)
                    ? "no new files can be created in " + shownDir : "directory " + shownDir + " does not exist"), e);
        } catch (FileSystemException e) {
            throw new IOException("cannot write " + target + ": " + reason(e), e);
        }
    }

    private static OutputFile open(Path target, Path dir, String prefix) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path temp = dir.resolve(prefix + randomHex() + SUFFIX);
            FileChannel channel;
            try {
                channel = FileChannel.open(temp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                        ordinaryPermissions(dir));
            } catch (FileAlreadyExistsException e) {
                if (attempt < 8) {
                    continue;
                }
                throw e;
            }
            try {
                // Between creating and locking, another process may have taken the unlocked file for a
                // dead writer's and deleted it; the name is random, so if it is still there it is ours.
                if (!lock(channel) || !Files.exists(temp)) {
                    channel.close();
                    if (attempt < 8) {
                        continue;
                    }
                    throw new IOException("could not lock a temporary file in " + dir);
                }
                OutputFile out = new OutputFile(target, temp, channel);
                register(out);
                return out;
            } catch (IOException | RuntimeException e) {
                channel.close();
                Files.deleteIfExists(temp);
                throw e;
            }
        }
    }

    /**
     * The lock tells later writers that this file is in use; false means another process holds it.
     * A file system without locks (some network file systems) gets an unlocked file: it is still
     * deleted on close and at shutdown, and a later writer's tryLock fails there too, so it leaves the
     * file alone (see removeIfUnlocked).
     */
    private static boolean lock(FileChannel channel) {
        try {
            return channel.tryLock() != null;
        } catch (IOException e) {
            LOG.debug("no file locks here ({}); temporary files are not locked", e.toString());
            return true;
        }
    }

    /**
     * createTempFile-style owner-only files would surprise anyone sharing the output; asking for
     * rw-rw-rw- lets the process umask decide, as for any new file.
     */
    private static FileAttribute<?>[] ordinaryPermissions(Path dir) {
        if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return new FileAttribute<?>[] {
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-rw-rw-"))
            };
        }
        return new FileAttribute<?>[0];
    }

    private static String randomHex() {
        byte[] b = new byte[RANDOM_HEX / 2];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /**
     * The part of a temporary file's name that depends on the target's name: {@code .NAME.softmax-},
     * with NAME shortened (and made unique by a hash of the full name) when the whole temporary
     * name would not fit in 255 bytes.
     */
    static String tempPrefix(String name) {
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

    /** Whether {@code fileName} is a temporary file name this class makes for a target named {@code name}. */
    static boolean isTempOf(String fileName, String name) {
        String prefix = tempPrefix(name);
        return fileName.startsWith(prefix) && fileName.endsWith(SUFFIX)
                && fileName.length() == prefix.length() + RANDOM_HEX + SUFFIX.length()
                && RANDOM_PART.matcher(fileName.substring(prefix.length(), prefix.length() + RANDOM_HEX)).matches();
    }

    /**
     * Deletes the temporary files of dead writers of {@code dir/name}: those with its prefix that no
     * process holds a lock on. Files of writers in this JVM are skipped without being opened, because
     * closing any channel on a file drops every POSIX lock this process holds on it. Failures are
     * logged and otherwise ignored: a stale file costs disk space, not correctness.
     *
     * @return the files deleted
     */
    static List<Path> removeStale(Path dir, String name) {
        List<Path> removed = new ArrayList<>();
        Set<Path> ours = new java.util.HashSet<>();
        synchronized (REGISTRY) {
            for (OutputFile o : LIVE) {
                ours.add(o.temp);
            }
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir,
                p -> isTempOf(p.getFileName().toString(), name))) {
            for (Path p : entries) {
                if (!ours.contains(p) && removeIfUnlocked(p)) {
                    removed.add(p);
                }
            }
        } catch (IOException | java.nio.file.DirectoryIteratorException e) {
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

    private static void register(OutputFile out) throws IOException {
        synchronized (REGISTRY) {
            if (shuttingDown) {
                throw new IOException("cannot write " + out.target + ": the JVM is shutting down");
            }
            if (!hookInstalled) {
                try {
                    Runtime.getRuntime().addShutdownHook(new Thread(OutputFile::deleteLiveFiles,
                            "softmax-cl temporary files"));
                } catch (IllegalStateException e) {
                    throw new IOException("cannot write " + out.target + ": the JVM is shutting down", e);
                }
                hookInstalled = true;
            }
            LIVE.add(out);
        }
    }

    /**
     * Runs at JVM shutdown. A file still registered here belongs to a writer that was stopped in the
     * middle (a signal or System.exit): no writer commits or closes after this, so delete it.
     */
    private static void deleteLiveFiles() {
        synchronized (REGISTRY) {
            shuttingDown = true;
            for (OutputFile o : LIVE) {
                try {
                    Files.deleteIfExists(o.temp);
                    LOG.warn("stopped before {} was complete; deleted its temporary file {}", o.target,
                            o.temp.getFileName());
                } catch (IOException e) {
                    LOG.warn("stopped before {} was complete; could not delete its temporary file {}: {}",
                            o.target, o.temp, e.toString());
                }
            }
            LIVE.clear();
        }
    }

    private static String reason(FileSystemException e) {
        return e.getReason() != null ? e.getReason() : e.toString();
    }

    /** @return the target as given to {@link #create(Path)} */
    public Path target() {
        return target;
    }

    /** @return the temporary file that receives the data */
    public Path temp() {
        return temp;
    }

    /**
     * The channel writing the temporary file; owned by this object (closing it elsewhere would drop
     * the lock that marks the file as in use).
     *
     * @return the channel, positioned at the end of what was written
     * @throws IllegalStateException if committed or closed
     */
    public FileChannel channel() {
        checkOpen();
        return channel;
    }

    /**
     * Makes the data durable and renames the temporary file onto the target (atomically where the
     * file system can). A target that already exists keeps its permissions. On failure the
     * temporary file is deleted and the target is left as it was.
     *
     * @throws IOException           if flushing or renaming fails; the message names the target
     * @throws IllegalStateException if already committed or closed
     */
    public void commit() throws IOException {
        checkOpen();
        try {
            channel.force(true);
            keepPermissions();
            synchronized (REGISTRY) {
                if (shuttingDown) {
                    throw new IOException("cannot write " + target + ": the JVM is shutting down");
                }
                try {
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
                }
                committed = true;
                closed = true;
                LIVE.remove(this);
            }
        } catch (FileSystemException e) {
            throw discard(new IOException("cannot write " + target + ": " + reason(e), e));
        } catch (IOException e) {
            throw discard(e);
        } catch (RuntimeException e) {
            throw discard(e);
        }
        try {
            channel.close(); // only now: the lock guarded the temporary name until the rename
        } catch (IOException e) {
            LOG.debug("closing {} after the rename: {}", target, e.toString());
        }
        syncDirectory(temp.getParent());
    }

    /** Closes (deleting the temporary file) after a failed commit; returns the failure to throw. */
    private <T extends Exception> T discard(T failure) {
        try {
            close();
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
        return failure;
    }

    /** A rename makes a new inode the target; give it the old one's mode, as an in-place write would. */
    private void keepPermissions() throws IOException {
        if (!temp.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return;
        }
        Set<PosixFilePermission> perms;
        try {
            perms = Files.getPosixFilePermissions(target);
        } catch (NoSuchFileException e) {
            return; // a new file: the umask decided, as for any new file
        }
        Files.setPosixFilePermissions(temp, perms);
    }

    /**
     * Makes the rename itself durable. Only some platforms (Linux, macOS) can open a directory;
     * elsewhere the rename is as durable as the file system makes it.
     */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Best effort, see above: the data itself is already forced.
        }
    }

    private void checkOpen() {
        if (committed) {
            throw new IllegalStateException(target + " was already committed");
        }
        if (closed) {
            throw new IllegalStateException("output " + target + " is closed");
        }
    }

    /** @return whether {@link #commit()} succeeded */
    public boolean committed() {
        return committed;
    }

    /**
     * Discards the output unless it was committed: closes and deletes the temporary file. Calling it
     * again, or after commit, does nothing.
     *
     * @throws IOException if the temporary file cannot be deleted (its name is in the message)
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        IOException failure = null;
        try {
            // Delete before closing: the lock keeps another writer from treating the file as stale
            // and racing this delete.
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            failure = new IOException("could not delete temporary file " + temp, e);
        }
        synchronized (REGISTRY) {
            LIVE.remove(this);
        }
        try {
            channel.close();
        } catch (IOException e) {
            if (failure == null) {
                failure = e;
            } else {
                failure.addSuppressed(e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
