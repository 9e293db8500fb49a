package io.github.camelllm.sim;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** In-memory store behind the Files API; contents live as long as the simulator. */
final class FileStore {

    /** A stored file; {@code seq} orders listings since created_at only has second precision. */
    record StoredFile(String id, long seq, byte[] content, long createdAt, String filename, String purpose) {
        ObjectNode toJson() {
            ObjectNode node = Json.MAPPER.createObjectNode();
            node.put("id", id);
            node.put("object", "file");
            node.put("bytes", content.length);
            node.put("created_at", createdAt);
            node.putNull("expires_at");
            node.put("filename", filename);
            node.put("purpose", purpose);
            node.put("status", "processed");
            node.putNull("status_details");
            return node;
        }
    }

    private final Map<String, StoredFile> files = new ConcurrentHashMap<>();
    private final AtomicLong sequence = new AtomicLong();

    StoredFile put(byte[] content, String filename, String purpose) {
        StoredFile file = new StoredFile(Ids.next("file-"), sequence.incrementAndGet(), content,
                System.currentTimeMillis() / 1000, filename, purpose);
        files.put(file.id(), file);
        return file;
    }

    StoredFile get(String id) {
        return files.get(id);
    }

    StoredFile remove(String id) {
        return files.remove(id);
    }

    /** Files stored with this purpose (e.g. "batch": uploaded batch inputs). */
    long count(String purpose) {
        return files.values().stream().filter(f -> purpose.equals(f.purpose())).count();
    }

    int size() {
        return files.size();
    }

    ObjectNode list(String purpose) {
        ObjectNode list = Json.MAPPER.createObjectNode();
        list.put("object", "list");
        ArrayNode data = list.putArray("data");
        files.values().stream()
                .filter(f -> purpose == null || purpose.equals(f.purpose()))
                .sorted(Comparator.comparingLong(StoredFile::seq).reversed())
                .forEach(f -> data.add(f.toJson()));
        list.put("has_more", false);
        return list;
    }
}
