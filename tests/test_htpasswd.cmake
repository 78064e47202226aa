# authwire/htpasswd.hpp needs libcrypt: link the authwire::htpasswd target.
target_link_libraries(test_htpasswd PRIVATE authwire::htpasswd)
