/**
 * A request body sent chunked (`Transfer-Encoding: chunked`, no
 * Content-Length), in 64 KiB chunks, so a body limit must count the stream
 * rather than trust a header.
 */
export function chunkedBody(text: string, chunkBytes = 64 * 1024): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + chunkBytes));
      offset += chunkBytes;
    },
  });
}
