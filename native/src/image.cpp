// Image decoding with stb_image: encoded PNG/JPEG/BMP/GIF bytes → uint8 tensor [H, W, C].
#include "common.h"
#define STB_IMAGE_IMPLEMENTATION
#define STBI_NO_STDIO
#define STBI_FAILURE_USERMSG
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
#include <stb_image.h>
#pragma GCC diagnostic pop

// channels: 0 keeps the file's channel count, 1/3/4 converts. Corrupt or truncated data is an error.
WN_API TH wn_decode_image(const unsigned char* data, int64_t length, int channels) {
  WN_TRY
    if (length <= 0) throw std::invalid_argument("image data is empty");
    if (length > INT32_MAX) throw std::invalid_argument("image data is larger than 2 GiB");
    int w = 0, h = 0, c = 0;
    unsigned char* pixels = stbi_load_from_memory(data, static_cast<int>(length), &w, &h, &c, channels);
    if (!pixels) {
      const char* reason = stbi_failure_reason();
      throw std::runtime_error(std::string("cannot decode image: ") + (reason ? reason : "unknown format"));
    }
    int out_c = channels ? channels : c;
    auto t = at::empty({h, w, out_c}, at::kByte);
    std::memcpy(t.data_ptr(), pixels, static_cast<size_t>(h) * w * out_c);
    stbi_image_free(pixels);
    return wn_wrap(t);
  WN_CATCH(nullptr)
}
