/*
 * The life of one output file that must appear whole or not at all: every check on the target is
 * made before any data is computed, the data goes to a hidden temporary file beside the target,
 * and the temporary file replaces the target only on commit, keeping the permissions of a file it
 * replaces. A temporary file never outlives its writer: close() deletes it, a JVM shutdown (SIGTERM,
 * SIGINT, System.exit) deletes it, and one left by a killed process (SIGKILL, power loss) is
 * recognised by its name and deleted by the next writer of the same target. The naming scheme and
 * the removal of stale files are TemporaryFiles' job, the shutdown hook is LiveOutputs'; this class
 * checks the target and carries one output from creation to commit or close.
 */
package io.github.softmaxcl.files;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
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
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A target file and the temporary file that becomes it. Use with try-with-resources:
 * {@link #close()} without a successful {@link #commit()} deletes the temporary file and leaves
 * the target as it was. Not thread-safe, except that a JVM shutdown may delete the temporary file
 * of a writer that is still running.
 *
 * <p>Temporary files are named {@code .NAME.softmax-XXXXXXXXXXXXXXXX.tmp} (16 hex digits) in the
 * target's directory, NAME shortened and followed by a hash of the full name where the whole would
 * exceed 255 bytes (see TemporaryFiles). The writer holds an exclusive lock on its temporary file;
 * a file with the prefix that nobody holds a lock on belongs to a process that died, and is deleted.
 */
public final class OutputFile implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OutputFile.class);

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
        if (nameBytes > TemporaryFiles.NAME_MAX_BYTES) {
            throw new IllegalArgumentException("cannot write " + target + ": its file name is " + nameBytes
                    + " bytes long, and file systems allow at most " + TemporaryFiles.NAME_MAX_BYTES);
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
        TemporaryFiles.removeStale(dir, name, LiveOutputs::isOurs);
        try {
            return open(target, dir, name);
        } catch (AccessDeniedException e) {
            throw new IOException("cannot write " + target + ": permission denied in directory " + shownDir, e);
        } catch (NoSuchFileException e) {
            throw new IOException("cannot write " + target + ": " + (Files.isDirectory(dir)
                    ? "no new files can be created in " + shownDir : "directory " + shownDir + " does not exist"), e);
        } catch (FileSystemException e) {
            throw new IOException("cannot write " + target + ": " + reason(e), e);
        }
    }

    /** Writes a whole file's content; see {@link #write(Path, Content)}. */
    @FunctionalInterface
    public interface Content {
        /**
         * @param out where the content goes; closing it only flushes it
         * @throws IOException if the content cannot be written
         */
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Writes a small file whole or not at all: {@link #create(Path)}, the content, {@link #commit()}.
     * If {@code content} throws, the temporary file is deleted and the target is left as it was.
     *
     * @param target where the file goes, as for {@link #create(Path)}
     * @param content writes the file's bytes
     * @throws IllegalArgumentException if {@code target} can never be written (see {@link #create(Path)})
     * @throws IOException if the file cannot be created, written or renamed, or {@code content} fails
     */
    public static void write(Path target, Content content) throws IOException {
        Objects.requireNonNull(content, "content");
        try (OutputFile out = create(target)) {
            // Writers such as Jackson close the stream they are given; the channel must stay open,
            // since closing it would drop the lock that marks the temporary file as in use.
            OutputStream stream = new BufferedOutputStream(Channels.newOutputStream(out.channel()), 1 << 16) {
                @Override
                public void close() throws IOException {
                    flush();
                }
            };
            content.writeTo(stream);
            stream.flush();
            out.commit();
        }
    }

    private static OutputFile open(Path target, Path dir, String name) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path temp = TemporaryFiles.newName(dir, name);
            LiveOutputs.reserve(temp);
            FileChannel channel;
            try {
                channel = FileChannel.open(temp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                        ordinaryPermissions(dir));
            } catch (FileAlreadyExistsException e) {
                LiveOutputs.release(temp);
                if (attempt < 8) {
                    continue;
                }
                throw e;
            } catch (IOException | RuntimeException e) {
                LiveOutputs.release(temp);
                throw e;
            }
            try {
                // Between creating and locking, another process may have taken the unlocked file for a
                // dead writer's and deleted it; the name is random, so if it is still there it is ours.
                if (!lock(channel) || !Files.exists(temp)) {
                    channel.close();
                    LiveOutputs.release(temp);
                    if (attempt < 8) {
                        continue;
                    }
                    throw new IOException("could not lock a temporary file in " + dir);
                }
                OutputFile out = new OutputFile(target, temp, channel);
                LiveOutputs.add(out);
                return out;
            } catch (IOException | RuntimeException e) {
                channel.close();
                Files.deleteIfExists(temp);
                LiveOutputs.release(temp);
                throw e;
            }
        }
    }

    /**
     * The lock tells later writers that this file is in use; false means another process holds it.
     * A file system without locks (some network file systems) gets an unlocked file: it is still
     * deleted on close and at shutdown, and a later writer's tryLock fails there too, so it leaves the
     * file alone (see TemporaryFiles.removeStale).
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
            LiveOutputs.commit(this, () -> {
                try {
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
                }
                committed = true;
                closed = true;
            });
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
        LiveOutputs.remove(this);
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
