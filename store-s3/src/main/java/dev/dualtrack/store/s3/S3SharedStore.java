package dev.dualtrack.store.s3;

import dev.dualtrack.proxy.store.SharedStore;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The shared store on an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, GCS in interop mode), through the AWS
 * SDK v2 with its blocking URL-connection HTTP client: no second Netty, no extra connection pool library, and
 * the calls already run on the store's own threads.
 *
 * <p>{@link #createIfAbsent} reads first, then writes with {@code If-None-Match: *}, and returns what the bucket
 * holds afterwards. Where the backend honours conditional writes (AWS S3 since November 2024, MinIO, GCS, R2), two
 * replicas racing on one key cannot both win. Where it ignores them (S3Proxy 2.6 does), replicas that come one
 * after the other still agree, and only a simultaneous first sighting can race.
 */
public final class S3SharedStore implements SharedStore {
    private final S3Client s3;
    private final software.amazon.awssdk.services.s3.presigner.S3Presigner presigner;
    private final String bucket;
    private final String prefix;
    private final String describe;

    public S3SharedStore(URI endpoint, String bucket, String region, String prefix, boolean pathStyle,
            String accessKey, String secretKey, Duration timeout) {
        this.bucket = bucket;
        this.prefix = prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/";
        this.describe = "s3://" + bucket + "/" + this.prefix + " at " + endpoint;
        this.s3 = S3Client.builder()
                .endpointOverride(endpoint)
                .region(Region.of(region))
                .forcePathStyle(pathStyle)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey,
                        secretKey)))
                .httpClient(UrlConnectionHttpClient.builder().connectionTimeout(timeout).socketTimeout(timeout)
                        .build())
                // Checksums only where S3 requires them: S3-compatible servers differ on the newer trailers.
                .requestChecksumCalculation(software.amazon.awssdk.core.checksums.RequestChecksumCalculation
                        .WHEN_REQUIRED)
                .responseChecksumValidation(software.amazon.awssdk.core.checksums.ResponseChecksumValidation
                        .WHEN_REQUIRED)
                .build();
        this.presigner = software.amazon.awssdk.services.s3.presigner.S3Presigner.builder()
                .endpointOverride(endpoint)
                .region(Region.of(region))
                .serviceConfiguration(software.amazon.awssdk.services.s3.S3Configuration.builder()
                        .pathStyleAccessEnabled(pathStyle).build())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey,
                        secretKey)))
                .build();
    }

    @Override
    public Optional<byte[]> get(String key, int maxBytes) throws IOException {
        try (software.amazon.awssdk.core.ResponseInputStream<GetObjectResponse> in = s3.getObject(
                GetObjectRequest.builder().bucket(bucket).key(prefix + key).build())) {
            Long length = in.response().contentLength();
            if (length != null && length > maxBytes) {
                in.abort(); // never downloaded: the connection is dropped
                throw new IOException("GET " + key + ": the object is " + length + " bytes, more than the " + maxBytes
                        + " such an object may be; it is not read");
            }
            byte[] bytes = in.readNBytes(maxBytes + 1);
            if (bytes.length > maxBytes) {
                in.abort();
                throw new IOException("GET " + key + ": the object is more than " + maxBytes + " bytes; it is not read");
            }
            return Optional.of(bytes);
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw new IOException("GET " + key + ": " + e.statusCode() + " " + e.awsErrorDetails().errorCode(), e);
        } catch (SdkException e) {
            throw new IOException("GET " + key + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void put(String key, byte[] value) throws IOException {
        try {
            s3.putObject(PutObjectRequest.builder().bucket(bucket).key(prefix + key).build(),
                    RequestBody.fromBytes(value));
        } catch (SdkException e) {
            throw new IOException("PUT " + key + ": " + e.getMessage(), e);
        }
    }

    @Override
    public byte[] createIfAbsent(String key, byte[] value) throws IOException {
        Optional<byte[]> existing = get(key, MAX_SMALL_OBJECT);
        if (existing.isPresent()) {
            return existing.get();
        }
        try {
            s3.putObject(PutObjectRequest.builder().bucket(bucket).key(prefix + key).ifNoneMatch("*").build(),
                    RequestBody.fromBytes(value));
        } catch (S3Exception e) {
            // 412: another replica created it first; 409: a concurrent conditional write is in progress.
            if (e.statusCode() != 412 && e.statusCode() != 409) {
                throw new IOException("PUT " + key + " (If-None-Match): " + e.statusCode(), e);
            }
        } catch (SdkException e) {
            throw new IOException("PUT " + key + " (If-None-Match): " + e.getMessage(), e);
        }
        return get(key, MAX_SMALL_OBJECT).orElseThrow(() -> new IOException(key + " is missing right after it was written"));
    }

    /** Parts of 64 MiB: a 50 GB model is under 800 parts (S3 allows 10,000), and a part is streamed, not held. */
    static final long PART = 64L << 20;

    @Override
    public boolean exists(String key) throws IOException {
        try {
            s3.headObject(software.amazon.awssdk.services.s3.model.HeadObjectRequest.builder().bucket(bucket)
                    .key(prefix + key).build());
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw new IOException("HEAD " + key + ": " + e.statusCode(), e);
        } catch (SdkException e) {
            throw new IOException("HEAD " + key + ": " + e.getMessage(), e);
        }
    }

    @Override
    public URI presignGet(String key, Duration ttl) throws IOException {
        try {
            return presigner.presignGetObject(software.amazon.awssdk.services.s3.presigner.model
                    .GetObjectPresignRequest.builder().signatureDuration(ttl).getObjectRequest(GetObjectRequest
                            .builder().bucket(bucket).key(prefix + key).build()).build()).url().toURI();
        } catch (SdkException | java.net.URISyntaxException e) {
            throw new IOException("presign " + key + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void putFile(String key, java.nio.file.Path file) throws IOException {
        long size = java.nio.file.Files.size(file);
        try {
            if (size <= PART) {
                s3.putObject(PutObjectRequest.builder().bucket(bucket).key(prefix + key).build(),
                        RequestBody.fromFile(file));
                return;
            }
            String upload = s3.createMultipartUpload(software.amazon.awssdk.services.s3.model
                    .CreateMultipartUploadRequest.builder().bucket(bucket).key(prefix + key).build()).uploadId();
            java.util.List<software.amazon.awssdk.services.s3.model.CompletedPart> parts = new java.util.ArrayList<>();
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
                for (long offset = 0, n = 1; offset < size; offset += PART, n++) {
                    long len = Math.min(PART, size - offset);
                    java.io.InputStream in = java.nio.channels.Channels.newInputStream(ch.position(offset));
                    String etag = s3.uploadPart(software.amazon.awssdk.services.s3.model.UploadPartRequest.builder()
                            .bucket(bucket).key(prefix + key).uploadId(upload).partNumber((int) n)
                            .contentLength(len).build(), RequestBody.fromInputStream(new BoundedInput(in, len), len))
                            .eTag();
                    parts.add(software.amazon.awssdk.services.s3.model.CompletedPart.builder().partNumber((int) n)
                            .eTag(etag).build());
                }
                s3.completeMultipartUpload(software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest
                        .builder().bucket(bucket).key(prefix + key).uploadId(upload)
                        .multipartUpload(m -> m.parts(parts)).build());
            } catch (IOException | SdkException e) {
                s3.abortMultipartUpload(b -> b.bucket(bucket).key(prefix + key).uploadId(upload));
                throw e;
            }
        } catch (SdkException e) {
            throw new IOException("upload " + key + ": " + e.getMessage(), e);
        }
    }

    /** At most {@code left} bytes of a stream, without closing the file channel under it. */
    private static final class BoundedInput extends java.io.FilterInputStream {
        private long left;

        BoundedInput(java.io.InputStream in, long left) {
            super(in);
            this.left = left;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = super.read();
            left -= b < 0 ? 0 : 1;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = super.read(b, off, (int) Math.min(len, left));
            left -= Math.max(n, 0);
            return n;
        }

        @Override
        public void close() {
        }
    }

    @Override
    public void delete(String key) throws IOException {
        try {
            s3.deleteObject(b -> b.bucket(bucket).key(prefix + key));
        } catch (SdkException e) {
            throw new IOException("DELETE " + key + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String describe() {
        return describe;
    }

    @Override
    public void close() {
        s3.close();
        presigner.close();
    }
}
