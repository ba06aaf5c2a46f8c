# A file of report/assets/ as a NUL-terminated C array (no hand-escaped JS or CSS in C).
# cmake -DIN=FILE -DOUT=FILE.c -DNAME=SYMBOL -P embed.cmake
# The assets land inline in a <script> or <style> element: a text that would end that element
# or open an HTML comment is refused here, at build time.
file(READ "${IN}" text)
string(TOLOWER "${text}" low)
foreach(bad "</script" "</style" "<!--")
  string(FIND "${low}" "${bad}" at)
  if(NOT at EQUAL -1)
    message(FATAL_ERROR "${IN} holds '${bad}', which would end the inline element it lands in")
  endif()
endforeach()
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x..,){24})" "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}.tmp" "/* generated from ${IN} by cmake/embed.cmake */\n"
  "const char ${NAME}[] = {\n${bytes}0};\n")
file(RENAME "${OUT}.tmp" "${OUT}")
