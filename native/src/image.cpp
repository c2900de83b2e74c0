// Image decoding with stb_image: encoded PNG/JPEG/BMP/GIF bytes → uint8 tensor [H, W, C].
#include "common.h"
#define STB_IMAGE_IMPLEMENTATION
#define STBI_NO_STDIO
#define STBI_FAILURE_USERMSG
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
#include <stb_image.h>
#pragma GCC diagnostic pop
#include <algorithm>
#include <cctype>
#include <cstring>

// stb_image reads past the end of an in-memory buffer as zero bytes, so a truncated BMP or GIF "decodes" into
// an image whose tail is garbage. Feeding the bytes through callbacks lets us see the decoder ask for data that
// is not there, and report the file as truncated instead.
namespace {
struct Reader {
  const unsigned char* data;
  int64_t length;
  int64_t pos;
  bool overrun;
};
int read_cb(void* user, char* out, int size) {
  auto* r = static_cast<Reader*>(user);
  const int64_t n = std::min<int64_t>(size, r->length - r->pos);
  if (n <= 0) { r->overrun = true; return 0; }
  std::memcpy(out, r->data + r->pos, static_cast<size_t>(n));
  r->pos += n;
  return static_cast<int>(n);
}
void skip_cb(void* user, int n) {
  auto* r = static_cast<Reader*>(user);
  if (n > 0 && r->pos + n > r->length) r->overrun = true;
  r->pos = std::max<int64_t>(0, std::min<int64_t>(r->length, r->pos + n));
}
int eof_cb(void* user) {
  auto* r = static_cast<Reader*>(user);
  return r->pos >= r->length ? 1 : 0;
}

// stb_image ignores PNG chunk CRCs, so flipped bits inside the compressed data decode into wrong pixels without
// an error. PNG files are therefore walked chunk by chunk first: every chunk must lie inside the data and carry
// the right CRC-32.
uint32_t crc32(const unsigned char* p, size_t n, uint32_t c = 0xFFFFFFFFu) {
  static uint32_t table[256];
  static bool ready = [] {
    for (uint32_t i = 0; i < 256; i++) {
      uint32_t v = i;
      for (int k = 0; k < 8; k++) v = (v & 1) ? 0xEDB88320u ^ (v >> 1) : v >> 1;
      table[i] = v;
    }
    return true;
  }();
  (void)ready;
  for (size_t i = 0; i < n; i++) c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return c;
}
uint32_t be32(const unsigned char* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}
// A chunk type for messages: 'IHDR' when it is four ASCII letters (as every valid type is), else its bytes in hex.
std::string chunk_type(const unsigned char* p) {
  bool letters = true;
  for (int i = 0; i < 4; i++) letters = letters && std::isalpha(p[i]) && p[i] < 128;
  if (letters) return "'" + std::string(reinterpret_cast<const char*>(p), 4) + "'";
  static const char* hex = "0123456789abcdef";
  std::string s = "0x";
  for (int i = 0; i < 4; i++) { s += hex[p[i] >> 4]; s += hex[p[i] & 15]; }
  return s + " (not a chunk type)";
}
void check_png(const unsigned char* data, int64_t length) {
  static const unsigned char sig[8] = {137, 80, 78, 71, 13, 10, 26, 10};
  if (length < 8 || std::memcmp(data, sig, 8) != 0) return;  // not a PNG: nothing to check here
  int64_t pos = 8;
  while (true) {
    if (pos + 12 > length)
      throw std::runtime_error("cannot decode image: truncated PNG (the data ends at byte " + std::to_string(length) +
                               " before the IEND chunk)");
    const uint32_t n = be32(data + pos);
    const std::string type = chunk_type(data + pos + 4);
    if (pos + 12 + static_cast<int64_t>(n) > length)
      throw std::runtime_error("cannot decode image: truncated PNG (chunk " + type + " at byte " + std::to_string(pos) +
                               " needs " + std::to_string(n) + " bytes, the data ends first)");
    const uint32_t expected = be32(data + pos + 8 + n);
    if ((crc32(data + pos + 4, 4 + n) ^ 0xFFFFFFFFu) != expected)
      throw std::runtime_error("cannot decode image: corrupt PNG (CRC mismatch in chunk " + type + " at byte " +
                               std::to_string(pos) + ")");
    pos += 12 + n;
    if (type == "'IEND'") return;
  }
}
}  // namespace

// channels: 0 keeps the file's channel count, 1/3/4 converts. Corrupt or truncated data is an error.
WN_API TH wn_decode_image(const unsigned char* data, int64_t length, int channels) {
  WN_TRY
    if (length <= 0 || data == nullptr) throw std::invalid_argument("cannot decode image: the data is empty");
    if (length > INT32_MAX) throw std::invalid_argument("cannot decode image: the data is larger than 2 GiB");
    if (channels < 0 || channels > 4) throw std::invalid_argument("cannot decode image: channels must be 0, 1, 2, 3 or 4");
    check_png(data, length);
    Reader reader{data, length, 0, false};
    stbi_io_callbacks io{read_cb, skip_cb, eof_cb};
    int w = 0, h = 0, c = 0;
    unsigned char* pixels = stbi_load_from_callbacks(&io, &reader, &w, &h, &c, channels);
    if (!pixels) {
      const char* reason = stbi_failure_reason();
      throw std::runtime_error(std::string("cannot decode image (") + std::to_string(length) + " bytes): " +
                               (reason ? reason : "unknown format") +
                               (reader.overrun ? " (the data ends early: truncated file?)" : ""));
    }
    if (reader.overrun) {
      stbi_image_free(pixels);
      throw std::runtime_error("cannot decode image: the data is truncated (the " + std::to_string(w) + "x" +
                               std::to_string(h) + " image needs more than the " + std::to_string(length) +
                               " bytes given)");
    }
    int out_c = channels ? channels : c;
    auto t = at::empty({h, w, out_c}, at::kByte);
    std::memcpy(t.data_ptr(), pixels, static_cast<size_t>(h) * w * out_c);
    stbi_image_free(pixels);
    return wn_wrap(t);
  WN_CATCH(nullptr)
}
