# Installation layout and the Debian package (CPack's DEB generator).
#   cmake --preset package && cmake --build --preset package && cpack --preset package
# installs bilevel-studio and bilevel-cli in bin/, the sample images and preset files in
# share/bilevel-studio/, and a desktop entry with its icon; the programs find the sample images
# relative to their own location (sampleImageDirectory() in core/config/Configuration.cpp).

install(TARGETS bilevel-cli bilevel-studio RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/sample_images/
        DESTINATION ${BILEVEL_INSTALL_DATADIR}/sample_images
        FILES_MATCHING PATTERN "*.png" PATTERN "generator" EXCLUDE)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/resources/presets/
        DESTINATION ${BILEVEL_INSTALL_DATADIR}/presets FILES_MATCHING PATTERN "*.json")
install(FILES ${PROJECT_SOURCE_DIR}/resources/desktop/bilevel-studio.desktop
        DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/bilevel-studio.svg
        DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/bilevel-studio)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME bilevel-studio)
set(CPACK_PACKAGE_VENDOR "Bilevel Studio")
set(CPACK_PACKAGE_CONTACT "Bilevel Studio developers <bilevel-studio@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Learn the parameters of image models by bilevel optimization, live")
set(CPACK_PACKAGE_DESCRIPTION
    "A desktop studio and a command line that learn regularization weights of image models \
(Huber-TV, quadratic, weight maps) by hypergradients: implicit differentiation, unrolling, \
fixed-point AD, with Jacobian diagnostics against finite differences.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION graphics)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://localhost/bilevel-studio")
# The shared libraries the programs link (Qt with its SVG module, whose image plugin draws the
# window icon; OpenCV, OpenMP, libstdc++) are found by dpkg-shlibdeps; what is used at run time
# without being linked is named here: Qt draws text with some font, and finds none on a minimal root.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "fonts-dejavu-core")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "xvfb, xauth")
set(CPACK_STRIP_FILES ON)
include(CPack)
