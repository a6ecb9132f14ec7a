package nl.ketenbus.bench.streamspeer;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/**
 * Deterministic event ids, exactly as contracts/_ids.py makes them: a version 5 UUID
 * (SHA-1) in the ketenbus namespace of "partner \u001f message id \u001f fact index".
 * Java's own UUID.nameUUIDFromBytes is version 3 (MD5), so this is written out.
 */
final class EventIds {
    private static final UUID NAMESPACE = UUID.fromString("6f1c1f8e-3b0a-5d2e-9a51-6b6574656e62");
    private static final byte[] NAMESPACE_BYTES = bytes(NAMESPACE);

    // One digest per stream thread: MessageDigest is not thread-safe.
    private static final ThreadLocal<MessageDigest> SHA1 =
            ThreadLocal.withInitial(
                    () -> {
                        try {
                            return MessageDigest.getInstance("SHA-1");
                        } catch (NoSuchAlgorithmException e) {
                            throw new IllegalStateException(e);
                        }
                    });

    private EventIds() {}

    static String eventId(String partner, String partnerMessageId, int factIndex) {
        MessageDigest sha1 = SHA1.get();
        sha1.reset();
        sha1.update(NAMESPACE_BYTES);
        String name = partner + '\u001f' + partnerMessageId + '\u001f' + factIndex;
        byte[] hash = sha1.digest(name.getBytes(StandardCharsets.UTF_8));
        hash[6] = (byte) ((hash[6] & 0x0f) | 0x50); // version 5
        hash[8] = (byte) ((hash[8] & 0x3f) | 0x80); // the RFC 4122 variant
        long msb = 0;
        long lsb = 0;
        for (int i = 0; i < 8; i++) {
            msb = (msb << 8) | (hash[i] & 0xff);
            lsb = (lsb << 8) | (hash[i + 8] & 0xff);
        }
        return new UUID(msb, lsb).toString();
    }

    private static byte[] bytes(UUID uuid) {
        byte[] out = new byte[16];
        long msb = uuid.getMostSignificantBits();
        long lsb = uuid.getLeastSignificantBits();
        for (int i = 0; i < 8; i++) {
            out[i] = (byte) (msb >>> (56 - 8 * i));
            out[i + 8] = (byte) (lsb >>> (56 - 8 * i));
        }
        return out;
    }
}
